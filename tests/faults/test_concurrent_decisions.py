"""20 officials' decisions on one case at the same moment: exactly one is recorded, every other one
is refused with a reason, and no workflow task fails on the way."""

import asyncio

import pytest

from starters.errors import CliError
from tests.faults.harness import COUNTY_GROUP_MEETING
from tests.support.driver import CG, CH, CS
from tests.support.small_registry import COUNTY

ACTING_HEAD = f"{COUNTY}-acting-head"  # a county_head post held by the county secretary's person
DEPUTY_GROUP = f"{COUNTY}-deputy-group"  # a county_group post held by the township head's person

pytestmark = pytest.mark.timeout(120)


async def _at_county_approval(bench) -> tuple[str, int]:
    household = bench.household()
    case = await bench.cases.open(household, notice_seconds=1)
    await bench.cases.to_notice(case, household)
    await bench.cases.township(case)
    before = len((await bench.cases.show(case)).decisions)
    return case, before


async def _all_at_once(sends) -> tuple[list, list]:
    results = await asyncio.gather(*sends, return_exceptions=True)
    accepted = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    return accepted, refused


def _conflicting(bench, case: str):
    """Rejects and returns to every earlier stage, by every official who may send the stage back."""
    officials = [CG, CS, CH, ACTING_HEAD]
    choices = [("reject", None), ("return", "appraisal"), ("return", "verification"), ("return", "township_review")]
    for n in range(20):
        outcome, to = choices[n % 4]
        official = officials[(n // 4) % 4]
        yield bench.cases.signed(case, "county_approval", official, outcome, note=f"并发决定 #{n}", to_stage=to,
                                 meeting_ref="县委常委会〔2017〕13号")


async def test_twenty_conflicting_decisions_record_exactly_one(bench):
    case, before = await _at_county_approval(bench)
    await bench.cases.pass_of(case)

    signed = list(_conflicting(bench, case))  # signed first, then sent at one instant
    accepted, refused = await _all_at_once(bench.cases.send(case, cmd) for cmd in signed)

    assert len(accepted) == 1, f"{len(accepted)} of 20 conflicting decisions were accepted: {accepted}"
    assert len(refused) == 19
    for exc in refused:
        assert isinstance(exc, CliError), f"not a refusal: {exc!r}"
        assert exc.exit_code == 1 and exc.format_message().strip(), exc
    state = await bench.cases.show(case)
    assert len(state.decisions) == before + 1
    winner = state.decisions[-1]
    assert winner.seq == accepted[0].seq and winner.outcome in ("reject", "return")
    if winner.outcome == "reject":
        assert state.status == "rejected"
    else:
        state = await bench.cases.until(case, lambda s: s.stage == winner.to_stage and not s.pending_return, 30,
                                        f"back at {winner.to_stage}")
        assert state.status == "open"
    assert await bench.cases.task_failures(case) == []
    assert (await bench.reconcile())["disagreements"] == []


async def test_twenty_approvals_of_one_signature_record_exactly_one(bench):
    case, before = await _at_county_approval(bench)
    await bench.cases.pass_of(case)
    # the county leading group's review is one signature: twenty freshly signed approvals race for it
    signed = [
        bench.cases.signed(case, "county_approval", CG if n % 2 else DEPUTY_GROUP, meeting_ref=COUNTY_GROUP_MEETING)
        for n in range(20)
    ]

    accepted, refused = await _all_at_once(bench.cases.send(case, cmd) for cmd in signed)

    assert len(accepted) == 1, f"{len(accepted)} of 20 approvals of one signature were accepted: {accepted}"
    for exc in refused:
        assert isinstance(exc, CliError) and exc.exit_code == 1, f"not a refusal: {exc!r}"
    state = await bench.cases.show(case)
    assert len(state.decisions) == before + 1
    assert state.decisions[-1].slot == "county_group" and state.status == "open"
    assert await bench.cases.task_failures(case) == []
