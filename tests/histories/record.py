"""Records the histories the replay test checks every change against (tests/test_replay.py).

    .venv/bin/python -m tests.histories.record

Run it when a workflow change is meant to alter histories AND no case started under the old code
is still running anywhere (otherwise patch the workflow with `workflow.patched()` and keep the old
histories in a folder of their own: docs/deployment.md, "Changing workflow code").
It drives each exit type through a representative path on the time-skipping server with the small
test registry, and writes one JSON history per scenario beside this file.
"""

import asyncio
import json
import sys
import tempfile
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from activities.registry.store import RegistryStore
from starters.search_attribute_setup import register_search_attributes
from tests.support import small_registry
from tests.support.driver import CaseDriver
from tests.support.unit_cases import CG, MG, MM, MS, PG, TH, application, findings, survey
from workers.data_converter import DATA_CONVERTER
from workers.policy_loader import load_policy
from workers.settings import PROJECT_ROOT
from workers.worker import build_worker

HERE = Path(__file__).parent
QUEUE = "tuopin-record"


async def household_with_objection_and_return(d: CaseDriver) -> None:
    household = f"{small_registry.VILLAGE}-e001"
    await d.open(household)
    await d.verify(household)
    ack = await d.object()
    await d.resolve(ack.objection_id, "dismiss")
    await d.until(lambda s: len(s.notices) == 2 and s.current_notice() is not None)
    await d.pass_notice()
    await d.decide("township_review", f"{small_registry.TOWNSHIP}-head", outcome="return", to_stage="verification", note="材料不全", meeting_ref="长校镇党委会议纪要〔2017〕10号")
    await d.until(lambda s: s.stage == "verification")
    await d.verify(household)
    await d.pass_notice()
    await d.township()
    await d.county()


async def village_exit(d: CaseDriver) -> None:
    d.working_year(2018)  # a case opens only for the registry's working year
    await d.open_unit("village", small_registry.VILLAGE, 2018, survey(), "poor")
    await d.pass_notice("county_approval")
    await d.decide("county_approval", CG, meeting_ref="M1")
    await d.decide("county_approval", f"{small_registry.COUNTY}-secretary", meeting_ref="M2")
    await d.decide("county_approval", f"{small_registry.COUNTY}-head", meeting_ref="M2")
    await d.until(lambda s: s.status != "open")


async def township_exit(d: CaseDriver) -> None:
    await d.open_unit("township", small_registry.TOWNSHIP, 2018, application(TH))
    await d.decide("county_assessment", CG, meeting_ref="M", record=findings())
    await d.until(lambda s: s.stage == "city_review")
    await d.decide("city_review", MG, meeting_ref="M")
    await d.post_notice(place="三明市政府网站公示栏")
    await d.until(lambda s: s.current_notice() is not None)
    await d.pass_notice("city_approval")
    await d.decide("city_approval", MS, meeting_ref="M")
    await d.decide("city_approval", MM, meeting_ref="M")
    await d.until(lambda s: s.status != "open")


async def county_exit(d: CaseDriver) -> None:
    d.working_year(2019)
    await d.open_unit("county", small_registry.COUNTY, 2019, application(CG))
    await d.decide("city_assessment", MG, meeting_ref="M", record=findings())
    await d.until(lambda s: s.stage == "city_endorsement")
    await d.decide("city_endorsement", MS, meeting_ref="M")
    await d.decide("city_endorsement", MM, meeting_ref="M")
    await d.until(lambda s: s.stage == "province_approval")
    await d.decide("province_approval", PG, meeting_ref="M")
    await d.until(lambda s: s.status != "open")


async def spot_check_of_2017(d: CaseDriver) -> None:
    """After the household and list scenarios: the county group checks every 2017 exit; the first is found
    incomplete, referred to the township, reported on and ordered redone; the others are confirmed."""
    from starters import supervision
    from tests.support.driver import CH, CS, TH as TOWNSHIP_HEAD, TS

    state = await supervision.start_check(d.client, d.settings, 2017, 100, CG, seed=2017, county_id=small_registry.COUNTY)
    d.case_id = state.check_id
    cid = state.check_id
    for n, entry in enumerate(state.sample):
        if n == 0:
            await supervision.record_finding(d.client, d.settings, cid, entry.unit_id, "incomplete", CG, "公示未张贴")
            for who in (TS, TOWNSHIP_HEAD):
                await supervision.report_referral(d.client, d.settings, cid, entry.unit_id, "incomplete", who, "镇会1号",
                                                  "公示程序未完整履行", ("notice",))
            for who in (CS, CH):
                await supervision.decide_referral(d.client, d.settings, cid, entry.unit_id, "redo", who, "县会1号",
                                                  "重新公示", ("notice",))
        else:
            await supervision.record_finding(d.client, d.settings, cid, entry.unit_id, "confirmed", CG, "入户核实，收入稳定")
    for _ in range(100):
        if (await supervision.show_check(d.client, state.check_id)).status == "completed":
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the spot check did not complete")


async def enrollment_of_the_returned(d: CaseDriver) -> None:
    """After the spot check (its redo leaves the 2017 exit standing): the household exited in 2017 has
    returned to poverty and is enrolled in 2018; an objection is dismissed, then review and approval."""
    from tests.support.driver import enrollment_appraisal

    d.working_year(2018)
    await d.open_unit("enrollment", f"{small_registry.VILLAGE}-e001", 2018, enrollment_appraisal("returned"))
    await d.post_notice()
    await d.until(lambda s: s.stage == "notice" and s.current_notice() is not None)
    ack = await d.object(reason="该户已稳定脱贫")
    await d.resolve(ack.objection_id, "dismiss")
    await d.until(lambda s: len(s.notices) == 2 and s.current_notice() is not None)
    await d.pass_notice()
    await d.township()
    state = await d.county()
    assert state.status == "enrolled", state.outcome_reason
LIST_HOMES = [f"{small_registry.VILLAGE}-e002", f"{small_registry.VILLAGE}-e003"]


async def household_list(d: CaseDriver) -> None:
    """Two households on one list (名单) to 销号, each post signing the list once;
    the history recorded is the list's."""
    from tests.support.list_driver import ListDriver

    lists = ListDriver(d.env, d.store, QUEUE, d.settings.keys_dir)
    await lists.open_list(LIST_HOMES, small_registry.VILLAGE)
    for official in (f"{small_registry.VILLAGE}-director", f"{small_registry.VILLAGE}-workteam"):
        await lists.sign("verification", official)
    await lists.consent_all(LIST_HOMES)
    await lists.members_until(lambda m: m.stage == "notice")
    await lists.pass_list_notice(small_registry.VILLAGE)  # the list's one notice, its posting recorded once
    await lists.members_until(lambda m: m.stage == "township_review")
    for official in (f"{small_registry.TOWNSHIP}-secretary", TH):
        await lists.sign("township_review", official, "M")
    for official in (CG, f"{small_registry.COUNTY}-secretary", f"{small_registry.COUNTY}-head"):
        await lists.sign("county_approval", official, "M")
    await lists.members_until(lambda m: m.status == "exited")
    for _ in range(100):  # the list ends once it has seen every member end
        if (await d.client.get_workflow_handle(lists.list_id).describe()).status.name == "COMPLETED":
            break
        await asyncio.sleep(0.05)
    d.case_id = lists.list_id


async def household_list_member(d: CaseDriver) -> None:
    """A member of that list: its verification, its notice posting and its decisions from township
    review on came as list signatures."""
    d.case_id = f"household-exit/{LIST_HOMES[0]}/2017"


SCENARIOS: dict[str, Callable[[CaseDriver], Awaitable[None]]] = {
    # in the order of the registry's working year, which never goes back: 2017, then 2018, then 2019
    "household-objection-return": household_with_objection_and_return,
    "household-list": household_list,
    "household-list-member": household_list_member,
    "spotcheck-2017": spot_check_of_2017,
    "enrollment-returned": enrollment_of_the_returned,  # after the spot check: it samples the 2017 exits
    "village-exit": village_exit,
    "township-exit": township_exit,
    "county-exit": county_exit,
}


async def record(out: Path = HERE) -> list[Path]:
    written = []
    workflow_ids: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = RegistryStore.from_url(f"sqlite:///{Path(tmp) / 'registry.db'}")
        small_registry.build(store, Path(tmp) / "keys")
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=str(Path(sys.executable).parent / "temporal-test-server"),
            data_converter=DATA_CONVERTER,
        )
        try:
            await register_search_attributes(env.client, env.client.namespace)
            with ThreadPoolExecutor(max_workers=4) as executor:
                async with build_worker(env.client, store, load_policy(PROJECT_ROOT / "data"), QUEUE, executor,
                                        trust=small_registry.trust(Path(tmp) / "keys")):
                    for name, scenario in SCENARIOS.items():
                        driver = CaseDriver(env, store, QUEUE, Path(tmp) / "keys")
                        await scenario(driver)
                        history = await env.client.get_workflow_handle(driver.case_id).fetch_history()
                        path = out / f"{name}.json"
                        path.write_text(history.to_json(), encoding="utf-8")
                        workflow_ids[path.name] = driver.case_id
                        written.append(path)
        finally:
            await env.shutdown()
    # the case id is the workflow id, and signatures are bound to it: replay needs the original
    (out / "workflow_ids.json").write_text(json.dumps(workflow_ids, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return written


if __name__ == "__main__":
    for path in asyncio.run(record()):
        print(path)
