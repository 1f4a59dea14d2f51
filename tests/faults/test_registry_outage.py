"""The registry is locked for a while (another connection holds its write lock longer than the
10 s busy timeout, as a long migration or backup would): every activity that writes to it fails
and retries, and when the lock goes the cases go on with nothing lost and nothing written twice.

SQLite has no "unreachable" short of the file going away under open connections; the registry
store turns "database is locked" into RegistryUnavailable exactly as it does a lost connection,
so the lock is the registry being unreachable for writes. Reads go on (WAL)."""

import asyncio

import pytest

from starters import cases as case_steps
from starters.errors import CliError
from tests.faults.harness import COUNTY_MEETING, eventually
from tests.support.driver import CH

LOCKED_FOR_AT_LEAST = 12.0  # seconds: longer than the store's busy timeout (10 s)


@pytest.mark.timeout(180)
async def test_activities_retry_through_a_locked_registry_and_nothing_is_lost(bench):
    cases, registry = bench.cases, bench.registry
    h_last, h_consent, h_notice = bench.household(), bench.household(), bench.household()
    c_last = await cases.at_last_signature(h_last)  # will announce and mark exited
    c_consent = await cases.open(h_consent, notice_seconds=2)  # will post its notice
    await cases.decide(c_consent, "verification", "changxiao-hepai-director")
    await cases.decide(c_consent, "verification", "changxiao-hepai-workteam")
    c_notice = await cases.open(h_notice, notice_seconds=4)  # will close its notice
    await cases.to_notice(c_notice, h_notice)

    registry.lock()
    try:
        started = asyncio.get_running_loop().time()
        await cases.pass_of(c_last)
        await cases.send(c_last, cases.signed(c_last, "county_approval", CH, meeting_ref=COUNTY_MEETING))
        await case_steps.consent(cases.client, cases.settings, c_consent,
                                 case_steps.ConsentCommand(official_id=f"{h_consent}-head"))

        await eventually(lambda: cases.waiting_for(c_last, "record_exit"), 120, "record_exit to fail on the lock")
        await eventually(lambda: cases.waiting_for(c_consent, "post_notice"), 120, "post_notice to fail on the lock")
        # on a loaded machine the notice may not even be posted before the lock: either notice write counts
        async def a_notice_write_waits():
            try:
                return await cases.waiting_for(c_notice, "close_notice")
            except RuntimeError:
                return await cases.waiting_for(c_notice, "post_notice")

        await eventually(a_notice_write_waits, 120, "a notice write to fail on the lock")
        remaining = LOCKED_FOR_AT_LEAST - (asyncio.get_running_loop().time() - started)
        if remaining > 0:
            await asyncio.sleep(remaining)
        # nothing was written while locked, and the cases wait
        assert registry.exit_rows(h_last) == [] and registry.household(h_last)[0] == "poor"
        assert (await cases.show(c_last)).status == "open"
    finally:
        registry.release()

    await cases.township(c_consent, timeout=60)
    await cases.county(c_consent)
    await cases.township(c_notice, timeout=60)
    await cases.county(c_notice)
    outcomes = {c: await cases.outcome(c, timeout=90) for c in (c_last, c_consent, c_notice)}
    assert {o.status for o in outcomes.values()} == {"exited"}, outcomes

    for household, case in ((h_last, c_last), (h_consent, c_consent), (h_notice, c_notice)):
        assert registry.exit_rows(household) == [(case, "household", "poor", "exited")]
        postings = registry.query(
            "SELECT window_no, scope_level, closed_at IS NOT NULL, outcome FROM notices WHERE case_id = ?", case)
        assert postings == [(1, "village", 1, "passed")], (case, postings)
        assert len(registry.query("SELECT id FROM announcements WHERE case_id = ?", case)) == 2
        assert await cases.task_failures(case) == []
    assert (await bench.reconcile())["disagreements"] == []


@pytest.mark.timeout(120)
async def test_an_objection_lodged_while_the_registry_is_locked_keeps_its_contact_or_is_refused(bench):
    cases, registry = bench.cases, bench.registry
    household = bench.household()
    case = await cases.open(household, notice_seconds=120)
    await cases.to_notice(case, household)

    # the case stores the contact itself: the objection waits for the registry (retrying) and is
    # recorded with its contact once the lock is gone, or refused with nothing recorded
    registry.lock()
    lodging = asyncio.ensure_future(case_steps.lodge_objection(cases.client, case, "村民乙", "13900000000", "收入有误"))
    try:
        await asyncio.sleep(3)
    finally:
        registry.release()
    try:
        await lodging
        refused = None
    except CliError as exc:
        refused = exc

    state = await cases.show(case)
    stored = {ref for (ref,) in registry.query("SELECT contact_ref FROM objection_contacts WHERE case_id = ?", case)}
    lost = [o.objection_id for o in state.objections if o.contact_ref not in stored]
    assert not lost, (f"objection(s) {lost} recorded in the case with no contact in the registry; "
                      f"the caller was told: {refused.format_message() if refused else 'recorded'}")
    if refused is not None:
        assert state.objections == [], "refused, yet the objection was recorded"


@pytest.mark.timeout(90)
async def test_operators_see_why_a_registry_write_retries(bench):
    cases, registry = bench.cases, bench.registry
    case = await cases.at_last_signature(bench.household())
    trigger = registry.hold_exits(case)
    try:
        await cases.pass_of(case)
        await cases.send(case, cases.signed(case, "county_approval", CH, meeting_ref=COUNTY_MEETING))

        pending = await eventually(lambda: cases.waiting_for(case, "record_exit"), 30, "record_exit to fail and retry")
    finally:
        con = registry.connect()
        con.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        con.close()
    assert (await cases.outcome(case, timeout=60)).status == "exited"
    # the failure's message is encrypted in Temporal (payload codec); operators read it through the
    # codec, as the Web UI does through `tuopin codec-server`
    assert pending.last_failure.message == "Encoded failure"
    failure = await cases.client.data_converter.decode_failure(pending.last_failure)
    assert "exit writes are held" in str(failure), str(failure)
