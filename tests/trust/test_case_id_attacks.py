"""A case runs under the id of its unit, type and year, and nothing else: an opening signature binds
the case id (not the unit), so a workflow started by hand under another unit's case id, with that
id's genuine opening (say, captured from an opening the case refused minutes ago), would record the
official's 民主评议 of one household as another's, and give a unit a second case for the year. Every
type refuses it on opening; so does an enrolment started as an exit, or the reverse."""

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.common import WorkflowIDReusePolicy

from domain.case_ids import case_id
from domain.messages import OpenCaseInput
from starters.cases import OPENING_PASS, WORKFLOW_NAME_BY_EXIT_TYPE
from starters.signer import load_signer
from tests.support.driver import VS, appraisal, enrollment_appraisal


async def _start_by_hand(driver, workflow_type: str, cid: str, exit_type: str, unit: str, first) -> str:
    """Starts the workflow as an attacker reaching the frontend would; the reason its run failed."""
    await driver.signing_at_server_time()
    signed = load_signer(driver.settings, VS).sign(cid, first.stage, OPENING_PASS, first)
    handle = await driver.client.start_workflow(
        WORKFLOW_NAME_BY_EXIT_TYPE[workflow_type], OpenCaseInput(exit_type=exit_type, unit_id=unit, year=2017,
                                                                 first_decision=signed),
        id=cid, task_queue=driver.settings.task_queue, id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    )
    with pytest.raises(WorkflowFailureError) as failed:
        await handle.result()
    cause = failed.value.cause
    return f"{getattr(cause, 'type', '')}: {cause} {getattr(cause, 'cause', '')}"


async def test_an_exit_started_under_another_households_case_id_is_refused(driver, household, second_household):
    reason = await _start_by_hand(driver, "household", case_id("household", household, 2017), "household",
                                  second_household, appraisal())
    assert f"runs as {case_id('household', second_household, 2017)}" in reason, reason


async def test_an_enrolment_started_under_another_id_or_as_an_exit_is_refused(driver, household, second_household):
    reason = await _start_by_hand(driver, "enrollment", case_id("enrollment", household, 2017), "enrollment",
                                  second_household, enrollment_appraisal("newly-poor"))
    assert f"runs as {case_id('enrollment', second_household, 2017)}" in reason, reason
    crossed = await _start_by_hand(driver, "enrollment", case_id("household", household, 2017), "household",
                                   household, appraisal())
    assert "runs enrollment cases, not 'household'" in crossed, crossed
    under_enrolment_id = await _start_by_hand(driver, "household", case_id("enrollment", household, 2017), "household",
                                              household, appraisal())
    assert f"runs as {case_id('household', household, 2017)}" in under_enrolment_id, under_enrolment_id
