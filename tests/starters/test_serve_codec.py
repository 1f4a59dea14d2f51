"""`tuopin serve` runs the codec endpoint and hands it to its dev server's Web UI: an operator reads
cases at the UI while the server stores only ciphertext."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from codec.aes_gcm import with_codec
from codec.keyring import KeyRing
from tests.e2e.conftest import free_port
from workers.data_converter import DATA_CONVERTER

TUOPIN = str(Path(sys.executable).parent / "tuopin")
NOTE = "入户核实：家中有人在外务工"


def _serving_line(proc: subprocess.Popen, log: Path, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"serve exited {proc.returncode}: {log.read_text()[-2000:]}"
        for line in log.read_text().splitlines():
            if '"serving"' in line:
                return json.loads(line)
        time.sleep(0.3)
    raise AssertionError(f"serve did not start: {log.read_text()[-2000:]}")


def _dev_server_args(serve_pid: int) -> str:
    for child in Path(f"/proc/{serve_pid}/task").glob("*/children"):
        for pid in child.read_text().split():
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            if "start-dev" in cmdline:
                return cmdline
    return ""


async def test_serve_decodes_for_its_web_ui(tmp_path):
    home = tmp_path / "home"
    log = tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "TUOPIN_"))}
    env |= {"TUOPIN_HOME": str(home), "TUOPIN_LOG_FORMAT": "json", "TEMPORAL_CONFIG_FILE": str(tmp_path / "none.toml")}
    ui_port = free_port()
    with open(log, "w") as out:
        proc = subprocess.Popen([TUOPIN, "serve", "--address", f"127.0.0.1:{free_port()}", "--ui-port", str(ui_port)],
                                env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        serving = _serving_line(proc, log)
        endpoint = serving["codec_endpoint"]
        assert endpoint.startswith("http://127.0.0.1:")
        assert f"--ui-codec-endpoint {endpoint}" in _dev_server_args(proc.pid)
        ring = KeyRing.load(home / "codec-keys.json")  # made on first use, no setup
        payloads = await with_codec(DATA_CONVERTER, ring).encode([NOTE])
        request = urllib.request.Request(
            endpoint + "/decode", data=json_format.MessageToJson(Payloads(payloads=payloads)).encode(), method="POST",
            headers={"Content-Type": "application/json", "Origin": f"http://localhost:{ui_port}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.headers["Access-Control-Allow-Origin"] == f"http://localhost:{ui_port}"
            decoded = json_format.Parse(response.read(), Payloads()).payloads
        assert DATA_CONVERTER.payload_converter.from_payloads(decoded, [str]) == [NOTE]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, log.read_text()[-2000:]
