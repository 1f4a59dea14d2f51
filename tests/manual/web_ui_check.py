"""Renders cases in the Temporal Web UI with headless Chromium (Debian's `chromium`, through Playwright's
Python driver and `executable_path`: no browser is downloaded) and checks that a person can read them:

* a case opened on `tuopin serve`: the static summary and the current details (who is awaited, the stage);
* a case `tuopin demo` carried to its end: its summary and "exited", in the demo's namespace.

`make ui-check` runs it as pytest tests (tests/manual/check_web_ui.py; `.ci/run` runs it after
`make test`, installing Chromium when missing), keeping each page's screenshot under the test's tmp
folder. `python tests/manual/web_ui_check.py [FOLDER]` runs it alone and prints what it found.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent
HOUSEHOLD = "changxiao-shaping-h001"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise SystemExit("chromium is not installed (apt-get install -y chromium; .ci/run does it)")
    return found


def _wait_http(url: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer")


def render(url: str, expect: str, screenshot: Path) -> str:
    """The page's visible text once the single-page app has rendered `expect` (or 60 s have passed)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium(),
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
        page.screenshot(path=str(screenshot), full_page=True)
        browser.close()
        return re.sub(r"\s+", " ", text)


def _case_url(ui_port: int, namespace: str, case: str) -> str:
    return f"http://127.0.0.1:{ui_port}/namespaces/{namespace}/workflows/{urllib.request.quote(case, safe='')}"


def check_serve_case(artifacts: Path) -> dict[str, bool]:
    """`tuopin serve` in a throwaway home; a household case opened; its page read."""
    port, ui_port = free_port(), free_port()
    home = artifacts / "serve-home"
    env = {**os.environ, "TUOPIN_HOME": str(home), "TEMPORAL_ADDRESS": f"127.0.0.1:{port}", "TUOPIN_LOG_FORMAT": "json"}
    serve = subprocess.Popen([str(BIN / "tuopin"), "serve", "--ui-port", str(ui_port)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        _wait_http(f"http://127.0.0.1:{ui_port}/")
        time.sleep(3)
        case = subprocess.run(
            [str(BIN / "tuopin"), "open", "household", HOUSEHOLD, "--year", "2017",
             "--as", "changxiao-shaping-secretary", "--meeting", "沙坪村民主评议〔2017〕2号", "--meeting-date",
             "2017-03-01", "--attendance", "42", "--result", "一致同意拟退出"],
            env=env, capture_output=True, text=True, check=True, stdin=subprocess.DEVNULL,
        ).stdout.strip()
        text = render(_case_url(ui_port, "default", case), "work_team@changxiao-shaping", artifacts / "serve-case.png")
        return {
            "serve: static summary": f"贫困户退出 · {HOUSEHOLD} · 2017" in text,
            "serve: current details: who is awaited": "work_team@changxiao-shaping" in text,
            "serve: current details: stage": "核实认可" in text,
        }
    finally:
        serve.send_signal(signal.SIGINT)
        serve.wait(timeout=60)


def check_demo_case(artifacts: Path) -> dict[str, bool]:
    """`tuopin demo --only household` kept open; the exited case's page in the demo namespace read."""
    port, ui_port = free_port(), free_port()
    demo = subprocess.Popen(
        [str(BIN / "tuopin"), "demo", "--home", str(artifacts / "demo-home"), "--port", str(port), "--ui-port",
         str(ui_port), "--only", "household", "--notice-seconds", "2", "--keep-open"],
        env={**os.environ, "TUOPIN_LOG_FORMAT": "json"}, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL, text=True,
    )
    try:
        case = ""
        assert demo.stdout is not None
        for line in demo.stdout:
            found = re.search(r"(household-exit/\S+/2017)$", line.strip())
            case = found.group(1) if found and not case else case
            if line.startswith("summary:"):
                break
        text = render(_case_url(ui_port, "tuopin-demo", case), "exited", artifacts / "demo-case.png")
        return {
            "demo: the case's page in the tuopin-demo namespace": bool(case) and case.split("/")[1] in text,
            "demo: the case is shown exited": "Status: exited" in text,
        }
    finally:
        demo.send_signal(signal.SIGINT)
        demo.wait(timeout=60)


def main() -> int:
    artifacts = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="tuopin-ui-"))
    artifacts.mkdir(parents=True, exist_ok=True)
    checks = {**check_serve_case(artifacts), **check_demo_case(artifacts)}
    for name, ok in checks.items():
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    print(f"screenshots: {artifacts}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
