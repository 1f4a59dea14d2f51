"""`tuopin demo`: the whole procedure in minutes, for a newcomer, on a Temporal server of its own.

Why this way (README, "See it all in minutes"): a real notice lasts at least 7 days, and a production
worker refuses anything shorter. The demo therefore never touches the production path. It starts its
own embedded dev server (in memory, thrown away when the demo ends, with its own Web UI port), a
namespace marked `tuopin-demo`, a registry file of its own (`<home>/demo/demo-registry.db`, seeded
afresh each time, with its own root key and demo keys), and in this process a simulation worker
(domain/simulation.py: the one place a notice may be shorter, fenced to its own task queue and a
registry without real exits). Its cases are marked simulated in their state, search attributes and
dossier. The clock is the real one, so every signature is made and checked as in production.

The demo plays the officials itself, with the demo keys, printing each step with the `tuopin` command
that does the same and the case's page in the Web UI; `--step` waits for Enter before each step, and
a step someone has already done by hand in another terminal is seen as done and skipped.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO
from urllib.parse import quote

from temporalio.client import Client

from domain.case_ids import case_id as make_case_id
from domain.county import TIME_ZONE
from domain.messages import ConsentCommand, DecisionCommand
from domain.procedures import PROCEDURES
from domain.simulation import Simulation
from starters import cases
from starters.demo_scenarios import DEMO_VILLAGE, Scenario, Step, county, household, township, village
from starters.errors import Refused
from starters.signer import load_signer
from workers.settings import Settings

DEMO_ADMINISTRATOR = "demo-key-administrator"

DEMO_NAMESPACE = "tuopin-demo"
DEMO_TASK_QUEUE = "tuopin-demo"
DEMO_REGISTRY_FILE = "demo-registry.db"
DEMO_PORT, DEMO_UI_PORT = 7243, 8243
DEFAULT_NOTICE_SECONDS = 20
STEP_WAIT_SECONDS = 60.0
SCENARIOS = ("household", "village", "township", "county")


def demo_settings(settings: Settings, port: int, ui_port: int) -> Settings:
    """Everything under `<home>/demo`: registry, keys, trust root, codec keys; the demo's server,
    namespace and task queue; a simulation worker's settings (never the production registry)."""
    home = (settings.home / "demo").resolve()
    return Settings(
        address=f"127.0.0.1:{port}", namespace=DEMO_NAMESPACE, task_queue=DEMO_TASK_QUEUE, home=home,
        registry_url=f"sqlite:///{home / DEMO_REGISTRY_FILE}", data_dir=settings.data_dir, ui_port=ui_port,
        keys_dir=home / "keys", trust=home / "trust", codec_keys=home / "codec-keys.json", simulation=True,
        log_format=settings.log_format,
    )


def local(at: datetime) -> str:
    return at.astimezone(TIME_ZONE).isoformat(sep=" ", timespec="seconds")


@dataclass
class Demo:
    """Carries the scenarios out against a running demo server and worker."""

    client: Client
    settings: Settings
    ui_url: str
    notice_seconds: int
    out: TextIO
    pause: Callable[[str], asyncio.Future[None] | None] | None = None  # --step: wait for Enter

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def case_url(self, case_id: str) -> str:
        return f"{self.ui_url}/namespaces/{DEMO_NAMESPACE}/workflows/{quote(case_id, safe='')}"

    async def run(self, scenario: Scenario) -> str:
        case_id = make_case_id(scenario.exit_type, scenario.unit_id, scenario.year, scenario.designation)  # type: ignore[arg-type]
        self.say(f"\n== {scenario.title} ({scenario.exit_type}) {scenario.unit_id}, {scenario.year}: {case_id}")
        self.say(f"   Web UI: {self.case_url(case_id)}")
        self.open_working_year(scenario.year)
        for number, step in enumerate(scenario.steps, 1):
            self.say(f"{number:>4}. {step.title} [{step.stage}]" + (f" — {step.official}" if step.official else ""))
            self.say(f"      $ {step.command(case_id)}")
            if self.pause is not None and step.kind != "notice":
                await self.pause("      press Enter to do it (or run the command in another terminal, then press Enter) ")
            await self.do(scenario, case_id, step)
        final = await self._until(case_id, lambda p: p.status != "open", STEP_WAIT_SECONDS)
        state = await cases.show(self.client, case_id)
        for a in state.announcements:
            self.say(f"      {a.kind} ({'公告' if a.kind == 'announcement' else '备案'}) in {a.level} {a.jurisdiction_id} at {local(a.at)}")
        if state.registry_change:
            rc = state.registry_change
            self.say(f"      销号: {rc['unit_id']} {rc['from_status']} → {rc['to_status']} in the demo registry")
        self.say(f"   → {final.status}")
        return final.status

    def open_working_year(self, year: int) -> None:
        """A case opens only for the registry's working year: the demo, as the county's key
        administrator, moves it forward to the scenario's year (signed acts, as in production)."""
        from activities.registry.store import RegistryStore
        from starters.registry_commands import advance_working_year, working_year_status
        from starters.trust_setup import admin_key

        current = working_year_status(self.settings)["year"]
        if current is None or current >= year:
            return
        store = RegistryStore.from_url(self.settings.registry_url)
        try:
            for next_year in range(current + 1, year + 1):
                self.say(f"   $ tuopin registry year set {next_year} --as {DEMO_ADMINISTRATOR}")
                advance_working_year(store, admin_key(self.settings.trust_dir), next_year, DEMO_ADMINISTRATOR)
        finally:
            store.engine.dispose()

    async def do(self, scenario: Scenario, case_id: str, step: Step) -> None:
        if step.kind == "open":
            await self._open(scenario, case_id, step)
        elif step.kind == "notice":
            await self._notice(case_id)
        elif await self._still_needed(scenario, case_id, step):
            if step.kind == "consent":
                await cases.consent(self.client, self.settings, case_id, ConsentCommand(official_id=step.official))
            else:
                cmd = DecisionCommand(stage=step.stage, outcome="approve", official_id=step.official,
                                      meeting_ref=step.meeting, record=step.record or None)
                await cases.decide(self.client, self.settings, case_id, cmd)
            self.say("      done")

    async def _open(self, scenario: Scenario, case_id: str, step: Step) -> None:
        try:
            opened = await cases.progress(self.client, case_id)
        except Refused:
            opened = None
        if opened is not None and opened.ready:
            self.say("      already opened")
            return
        first = DecisionCommand(stage=step.stage, outcome="approve", official_id=step.official, meeting_ref=step.meeting,
                                record=step.record)
        await cases.open_case(self.client, self.settings, scenario.exit_type, scenario.unit_id, scenario.year, first,
                              scenario.designation, simulation=Simulation(notice_seconds=self.notice_seconds))
        self.say("      opened")

    async def _still_needed(self, scenario: Scenario, case_id: str, step: Step) -> bool:
        """Whether the official's signature is still wanted: the case has reached the step's stage and
        still awaits the official's post there (someone may have done it by hand meanwhile)."""
        procedure = PROCEDURES[scenario.exit_type]
        target = procedure.index(step.stage)
        now = await self._until(case_id, lambda p: p.status != "open" or procedure.index(p.stage) >= target, STEP_WAIT_SECONDS)
        if now.status != "open" or procedure.index(now.stage) > target:
            self.say("      done already")
            return False
        post = load_signer(self.settings, step.official).official
        if f"{post.role.value}@{post.jurisdiction_id}" not in await cases.still_awaited_by(self.client, case_id):
            self.say("      done already")
            return False
        return True

    async def _notice(self, case_id: str) -> None:
        posted = await self._until(case_id, lambda p: p.stage == "notice" or p.status != "open", STEP_WAIT_SECONDS)
        if posted.stage == "notice":
            window = (await cases.show(self.client, case_id)).current_notice()
            if window is not None:
                self.say(f"      posted {local(window.opened_at)}, closes {local(window.closes_at)} by itself "
                         f"(a demo notice of {self.notice_seconds} s; a real one lasts at least 7 days)")
        done = await self._until(case_id, lambda p: p.stage != "notice" or p.status != "open",
                                 self.notice_seconds + STEP_WAIT_SECONDS)
        self.say(f"      closed; the case is at {done.stage}")

    async def _until(self, case_id: str, holds: Callable[[object], bool], seconds: float):  # type: ignore[no-untyped-def]
        deadline = asyncio.get_running_loop().time() + seconds
        while True:
            now = await cases.progress(self.client, case_id)
            if holds(now):
                return now
            if asyncio.get_running_loop().time() > deadline:
                raise Refused(f"case {case_id} did not move on within {seconds:.0f} s (it is at {now.stage}, {now.status})",
                              kind="DemoStalled")
            await asyncio.sleep(0.25)


def eligible_household(settings: Settings, village_id: str = DEMO_VILLAGE, year: int = 2017) -> str:
    """The first household of the demo village that meets the exit criteria on the demo registry."""
    from activities.registry.store import RegistryStore
    from domain.criteria.household import evaluate_household
    from workers.policy_loader import load_policy

    store = RegistryStore.from_url(settings.registry)
    policy = load_policy(settings.data_dir)
    try:
        for row in store.list_households(village_id=village_id):
            facts, _ = store.household_case_data(row["household_id"])
            if evaluate_household(facts, year, policy.poverty_lines, policy.stability).met:
                return str(row["household_id"])
    finally:
        store.engine.dispose()
    raise Refused(f"no household of {village_id} meets the exit criteria in the demo registry")


def scenarios_for(settings: Settings, only: tuple[str, ...]) -> list[Scenario]:
    chosen = only or SCENARIOS
    build = {"household": lambda: household(eligible_household(settings)), "village": village, "township": township,
             "county": county}
    return [build[name]() for name in SCENARIOS if name in chosen]


DEMO_MARK = ".tuopin-demo"  # in the folders the demo made: the only folders it ever empties


def fresh_home(settings: Settings) -> None:
    """The demo starts afresh: its own folder only (`<home>/demo`), never the production files, and
    never a folder it did not make (a `--home` whose `demo` folder is someone's own is refused)."""
    home = settings.home
    assert home.name == "demo" and settings.registry.endswith(DEMO_REGISTRY_FILE)
    if home.exists() and any(home.iterdir()) and not (home / DEMO_MARK).is_file():
        raise Refused(f"{home} exists and was not made by `tuopin demo`: refusing to empty it; pass another --home",
                      kind="NotADemoFolder")
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    (home / DEMO_MARK).write_text("made by `tuopin demo`; emptied at each of its starts\n", encoding="utf-8")


async def run_demo(settings: Settings, *, notice_seconds: int, only: tuple[str, ...], step: bool, keep_open: bool,
                   out: TextIO = sys.stdout) -> int:
    """Runs the chosen scenarios on a demo server of its own; 0 when every case exited."""
    from observability.logging_config import temporal_context_in_fields_only
    from starters.codec_commands import start_codec_server
    from starters.dev_server import check_ports_free, start_dev_server
    from starters.registry_commands import seed
    from starters.search_attribute_setup import register_search_attributes
    from starters.serve import stop_event, temporal_binary
    from workers.connection import data_converter
    from workers.worker import run_worker

    host, _, port = settings.address.rpartition(":")
    check_ports_free(host, {"the demo's Temporal frontend": int(port), "the demo's Web UI": settings.ui_port})
    fresh_home(settings)
    seed(settings)
    temporal_context_in_fields_only()
    logging.getLogger().setLevel(logging.WARNING)  # the worker's info lines would drown the story
    converter = data_converter(settings)
    codec_server = start_codec_server(settings, converter)
    try:
        server, client = await start_dev_server(
            temporal_binary(), host=host, port=int(port), namespaces=[DEMO_NAMESPACE], ui_port=settings.ui_port,
            database=None, extra_args=["--ui-disable-news-fetch", "--ui-codec-endpoint", codec_server.url],
            log_file=settings.home / "temporal.log", converter=converter,
        )
    except BaseException:
        codec_server.shutdown()
        raise
    stop = stop_event()
    worker = asyncio.ensure_future(run_worker(settings, client, stop))
    try:
        await register_search_attributes(client, DEMO_NAMESPACE)
        demo = Demo(client, settings, server.ui_url or "", notice_seconds, out, _enter_pauser(out) if step else None)
        demo.say(f"tuopin demo: a Temporal dev server of its own at {settings.address}, namespace {DEMO_NAMESPACE}, "
                 f"Web UI {server.ui_url}/namespaces/{DEMO_NAMESPACE}/workflows")
        demo.say(f"notices last {notice_seconds} s here (simulation; a real notice lasts at least 7 days). "
                 "To type a step yourself, in another terminal:")
        demo.say(f"   export TEMPORAL_ADDRESS={settings.address} TEMPORAL_NAMESPACE={DEMO_NAMESPACE} "
                 f"TUOPIN_HOME={settings.home}")
        outcomes = {}
        for scenario in scenarios_for(settings, only):
            outcomes[scenario.exit_type] = await _racing(demo.run(scenario), stop, worker)
        demo.say("\nsummary: " + ", ".join(f"{k} {v}" for k, v in outcomes.items()))
        if keep_open:
            demo.say(f"The Web UI stays at {server.ui_url}/namespaces/{DEMO_NAMESPACE}/workflows; Ctrl-C ends the demo.")
            await _racing(stop.wait(), stop, worker)
        return 0 if all(v == "exited" for v in outcomes.values()) else 1
    finally:
        stop.set()
        await asyncio.gather(worker, return_exceptions=True)
        await server.stop()
        codec_server.shutdown()


async def _racing(work, stop: asyncio.Event, worker: asyncio.Future):  # type: ignore[no-untyped-def]
    """`work`, unless Ctrl-C comes first or the worker fails."""
    task = asyncio.ensure_future(work)
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopping, worker}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if task.done():
        return task.result()
    task.cancel()
    if worker.done():
        worker.result()  # raises what stopped the worker
        raise Refused("the demo worker stopped", kind="DemoStalled")
    raise Refused("demo interrupted", kind="interrupted")


def _enter_pauser(out: TextIO) -> Callable[[str], asyncio.Future[None]]:
    def pause(prompt: str) -> asyncio.Future[None]:
        print(prompt, end="", file=out, flush=True)
        return asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # type: ignore[return-value]

    return pause

