"""Malformed inputs against the update models (domain/messages.py) and the rules their validators and
handlers share (domain/signoff_rules.py, domain/notice_rules.py):

* any JSON, any bytes, any dict shaped like a model is either a model or a pydantic ValidationError;
* a valid model crosses the Temporal data converter unchanged;
* for a case at any step, every command is either applied or refused with a Refusal (the only
  exception a workflow turns into a refused update rather than a failed workflow task), a refused
  command leaves the case exactly as it was, and the validator's check agrees with the handler.
"""

import copy
import tempfile
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import pytest

pytest.importorskip("hypothesis", reason="hypothesis is a test dependency: pip install -e '.[test]'")
from hypothesis import event, given
from hypothesis import strategies as st
from pydantic import ValidationError

from activities.case_loading import load_case_facts
from activities.registry.store import RegistryStore
from domain.case import CaseState
from domain.messages import (
    ConsentCommand,
    DecisionCommand,
    ObjectionCommand,
    OpenCaseInput,
    PostingCommand,
    ReminderCommand,
    ResolutionCommand,
)
from domain.notice_posting import apply_posting, check_posting
from domain.notice_rules import apply_resolution, check_objection, check_resolution, lodge_objection, open_window
from domain.officials import Roster
from domain.procedures import HOUSEHOLD
from domain.refusals import Refusal
from domain.signing import Signature
from domain.signoff_rules import apply_consent, apply_decision, check_consent, check_decision, enter_stage
from domain.simulation import Simulation
from tests.fuzz.strategies import FAST, commands, fields_of, json_values
from tests.support import small_registry
from tests.support.driver import CG, TH, TS, VD, VS, WT, appraisal
from workers.data_converter import DATA_CONVERTER
from workers.policy_loader import load_policy
from workers.settings import PROJECT_ROOT

MODELS = [DecisionCommand, ConsentCommand, ObjectionCommand, ResolutionCommand, PostingCommand, OpenCaseInput,
          ReminderCommand, Simulation, Signature]
HOUSEHOLD_ID = f"{small_registry.VILLAGE}-e001"
NOW = datetime(2017, 6, 1, 2, 0, tzinfo=timezone.utc)

pytestmark = pytest.mark.timeout(120)


def _roundtrip(model: object) -> object:
    converter = DATA_CONVERTER.payload_converter
    return converter.from_payloads(converter.to_payloads([model]), [type(model)])[0]


@FAST
@given(model=st.sampled_from(MODELS), data=st.data())
def test_any_value_is_a_model_or_a_validation_error(model, data):
    value = data.draw(st.one_of(fields_of(model), json_values), label="input")
    try:
        parsed = model.model_validate(value)
    except ValidationError as exc:
        assert exc.errors(), "a refusal names what is wrong"
        return
    assert _roundtrip(parsed) == parsed


@FAST
@given(model=st.sampled_from(MODELS), raw=st.one_of(st.binary(max_size=200), st.text(max_size=200)))
def test_any_bytes_are_a_model_or_a_validation_error(model, raw):
    try:
        model.model_validate_json(raw)
    except ValidationError:
        pass


# -- the rules over a case at each of its steps ------------------------------------------------
@lru_cache(maxsize=1)
def _states() -> dict[str, tuple[CaseState, Roster]]:
    """A household case of the small registry at verification, awaiting the household's consent, its
    notice issued and awaiting its posting, in its notice with an objection open, and at county
    approval after the leading group's review."""
    folder = Path(tempfile.mkdtemp(prefix="tuopin-fuzz-"))
    store = RegistryStore.from_url(f"sqlite:///{folder / 'registry.db'}")
    small_registry.build(store, folder / "keys", eligible=2)
    policy = load_policy(PROJECT_ROOT / "data")
    facts, path = load_case_facts(store, "household", HOUSEHOLD_ID, 2017, None)
    roster = store.roster(path.jurisdiction_ids())
    store.engine.dispose()
    case = CaseState(
        case_id=f"household-exit/{HOUSEHOLD_ID}/2017", exit_type="household", unit_id=HOUSEHOLD_ID, year=2017,
        stage="appraisal", opened_by=VS, opened_at=NOW, unit_path=path, facts=facts, notice_rule=policy.notice,
        ready=True,
    )
    enter_stage(case, "appraisal")
    apply_decision(case, HOUSEHOLD, roster, appraisal(), NOW)
    enter_stage(case, "verification")
    states = {"verification": copy.deepcopy(case)}

    apply_decision(case, HOUSEHOLD, roster, DecisionCommand(stage="verification", outcome="approve", official_id=VD), NOW)
    apply_decision(case, HOUSEHOLD, roster, DecisionCommand(stage="verification", outcome="approve", official_id=WT), NOW)
    states["consent"] = copy.deepcopy(case)
    apply_consent(case, HOUSEHOLD, roster, ConsentCommand(official_id=f"{HOUSEHOLD_ID}-head"), NOW)
    enter_stage(case, "notice")
    case.notice_issued_at, case.notice_issued_pass = NOW - timedelta(days=1), case.pass_id
    states["posting"] = copy.deepcopy(case)
    apply_posting(case, HOUSEHOLD, roster, PostingCommand(official_id=VS, posted_at=NOW, place="村委会公示栏"), NOW)
    open_window(case, HOUSEHOLD.stage("notice"), NOW)
    notice = copy.deepcopy(case)
    lodge_objection(notice, ObjectionCommand(name="村民甲", reason="收入不实", contact="13800000000"), NOW, "ref1")
    states["notice"] = notice

    case.notices[-1].closed_at, case.notices[-1].outcome = NOW + timedelta(days=8), "passed"
    enter_stage(case, "township_review")
    for official in (TS, TH):
        apply_decision(case, HOUSEHOLD, roster, DecisionCommand(
            stage="township_review", outcome="approve", official_id=official, meeting_ref="镇会议1号"), NOW)
    enter_stage(case, "county_approval")
    apply_decision(case, HOUSEHOLD, roster, DecisionCommand(
        stage="county_approval", outcome="approve", official_id=CG, meeting_ref="县领导小组1号"), NOW)
    states["county_approval"] = case
    return {name: (state, roster) for name, state in states.items()}


_STATES = ("verification", "consent", "posting", "notice", "county_approval")


def _draw_command(data, model, state: CaseState | None = None, roster: Roster | None = None):
    """Mostly a well-formed command; often at the case's own stage and by one of its officials, to
    reach the rules past the first refusals."""
    value = data.draw(commands(model), label=model.__name__)
    if isinstance(value, dict):
        if state is not None and "stage" in value and data.draw(st.booleans(), label="at its stage"):
            value = {**value, "stage": state.stage}
        if roster is not None and "official_id" in value and data.draw(st.booleans(), label="by one of its officials"):
            value = {**value, "official_id": data.draw(st.sampled_from([o.official_id for o in roster.officials]))}
    try:
        return model.model_validate(value)
    except ValidationError:
        event(f"{model.__name__}: not valid")
        return None


def _applied_or_refused(check, apply, state: CaseState):
    """The handler's apply on a copy; returns whether it applied. A refusal leaves the copy unchanged."""
    try:
        check(state)
        checked = None
    except Refusal as exc:
        checked = exc
    working = state.model_copy(deep=True)
    before = working.model_dump(mode="json")
    try:
        apply(working)
    except Refusal as exc:
        assert working.model_dump(mode="json") == before, f"refused ({exc}) yet the case changed"
        assert checked is not None, f"the validator's check passed but the handler refused: {exc}"
        event(f"refused: {type(exc).__name__}")
        return False
    event("applied")
    assert checked is None, f"the validator's check refused ({checked}) but the handler applied it"
    return True


@FAST
@given(stage=st.sampled_from(sorted(_STATES)), data=st.data())
def test_a_decision_is_applied_or_refused_and_a_refusal_changes_nothing(stage, data):
    state, roster = _states()[stage]
    cmd = _draw_command(data, DecisionCommand, state, roster)
    if cmd is None:
        return
    _applied_or_refused(
        lambda s: check_decision(s, HOUSEHOLD, roster, cmd, NOW),
        lambda s: apply_decision(s, HOUSEHOLD, roster, cmd, NOW),
        state,
    )


@FAST
@given(stage=st.sampled_from(sorted(_STATES)), data=st.data())
def test_a_consent_is_applied_or_refused_and_a_refusal_changes_nothing(stage, data):
    state, roster = _states()[stage]
    cmd = _draw_command(data, ConsentCommand, state, roster)
    if cmd is None:
        return
    _applied_or_refused(
        lambda s: check_consent(s, HOUSEHOLD, roster, cmd),
        lambda s: apply_consent(s, HOUSEHOLD, roster, cmd, NOW),
        state,
    )


@FAST
@given(stage=st.sampled_from(sorted(_STATES)), data=st.data())
def test_an_objection_or_resolution_is_applied_or_refused_and_a_refusal_changes_nothing(stage, data):
    state, roster = _states()[stage]
    objection = _draw_command(data, ObjectionCommand)
    if objection is not None:
        _applied_or_refused(
            lambda s: check_objection(s, objection, NOW),
            lambda s: lodge_objection(s, objection, NOW, "ref-fuzz"),
            state,
        )
    resolution = _draw_command(data, ResolutionCommand, state, roster)
    if resolution is not None:
        _applied_or_refused(
            lambda s: check_resolution(s, HOUSEHOLD, roster, resolution),
            lambda s: apply_resolution(s, HOUSEHOLD, roster, resolution, NOW),
            state,
        )


@FAST
@given(stage=st.sampled_from(sorted(_STATES)), data=st.data())
def test_a_posting_is_applied_or_refused_and_a_refusal_changes_nothing(stage, data):
    state, roster = _states()[stage]
    cmd = _draw_command(data, PostingCommand, state, roster)
    if cmd is None:
        return
    if data.draw(st.booleans(), label="by the village, around the case's clock"):
        cmd = cmd.model_copy(update={
            "official_id": data.draw(st.sampled_from([VS, VD])),
            "posted_at": NOW - data.draw(st.sampled_from([timedelta(0), timedelta(hours=3), timedelta(days=2)])),
        })
    _applied_or_refused(
        lambda s: check_posting(s, HOUSEHOLD, roster, cmd, NOW),
        lambda s: apply_posting(s, HOUSEHOLD, roster, cmd, NOW),
        state,
    )
