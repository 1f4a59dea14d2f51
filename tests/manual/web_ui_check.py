"""Opens a case in the Temporal Web UI with headless Chromium (Debian's `chromium`) and checks that an
operator can read it there: the static summary and the current details (who is awaited, until when).

Run with `make ui-check` (it installs Playwright's Python driver if missing, starts `tuopin serve` in
a throwaway home, opens a case, renders the workflow page with the system Chromium and prints what it
found, plus a screenshot). Not part of `make test`: it needs Chromium, which CI does not install.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent
PORT, UI_PORT = 7433, 8433
SCREENSHOT = Path(tempfile.gettempdir()) / "tuopin-web-ui.png"


def _wait_http(url: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer")


def render(url: str, expect: str) -> str:
    """The page's visible text once the single-page app has rendered `expect` (or 60 s have passed)."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium is not installed (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        page.goto(url)
        page.get_by_text("User Metadata", exact=True).first.click(timeout=60_000)
        # the UI renders Markdown metadata inside sandboxed iframes: read every frame
        text = ""
        for _ in range(60):
            page.wait_for_timeout(1000)
            text = " ".join(frame.inner_text("body") for frame in page.frames)
            if expect in text:
                break
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        browser.close()
        return text


def main() -> int:
    home = Path(tempfile.mkdtemp(prefix="tuopin-ui-"))
    env = {**os.environ, "TUOPIN_HOME": str(home), "TEMPORAL_ADDRESS": f"127.0.0.1:{PORT}"}
    serve = subprocess.Popen([str(BIN / "tuopin"), "serve", "--ui-port", str(UI_PORT)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _wait_http(f"http://127.0.0.1:{UI_PORT}/")
        time.sleep(3)
        case = subprocess.run(
            [str(BIN / "tuopin"), "open", "household", "changxiao-shaping-h001", "--year", "2017",
             "--as", "changxiao-shaping-secretary", "--meeting", "沙坪村民主评议〔2017〕2号", "--meeting-date",
             "2017-03-01", "--attendance", "42", "--result", "一致同意拟退出"],
            env=env, capture_output=True, text=True, check=True,
        ).stdout.strip()
        url = f"http://127.0.0.1:{UI_PORT}/namespaces/default/workflows/{urllib.request.quote(case, safe='')}"
        text = re.sub(r"\s+", " ", render(url, "work_team@changxiao-shaping"))
        checks = {
            "static summary": "贫困户退出 · changxiao-shaping-h001 · 2017" in text,
            "current details: who is awaited": "work_team@changxiao-shaping" in text,
            "current details: stage": "核实认可" in text,
        }
        for name, ok in checks.items():
            print(f"{'ok  ' if ok else 'FAIL'} {name}")
        print(f"screenshot: {SCREENSHOT}")
        if not all(checks.values()):
            print(text[:3000])
        return 0 if all(checks.values()) else 1
    finally:
        serve.send_signal(signal.SIGINT)
        serve.wait(timeout=60)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
