"""Malformed updates sent straight through the Temporal client (no CLI, no signing) to a running
case: every one is refused, the case is unchanged, and no workflow task fails (a workflow task that
fails is retried by the server over and over: the case would be stuck)."""

import base64
from datetime import datetime, timezone
from typing import Any

import pytest

pytest.importorskip("hypothesis", reason="hypothesis is a test dependency: pip install -e '.[test]'")
from hypothesis import given
from hypothesis import strategies as st
from pydantic_core import PydanticSerializationError
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowUpdateFailedError
from temporalio.common import RawValue
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from domain.messages import CaseAck, ConsentCommand, DecisionCommand, ObjectionCommand, PostingCommand, ResolutionCommand
from tests.fuzz.strategies import SLOW, WELL_FORMED, fields_of, json_values, signatures
from tests.support.driver import VD, VS, WT
from tests.support.small_registry import VILLAGE

UPDATE_MODELS = {"decide": DecisionCommand, "consent": ConsentCommand, "object": ObjectionCommand,
                 "resolve": ResolutionCommand, "notice_posted": PostingCommand}

raw_payloads = st.builds(
    lambda encoding, data: RawValue(Payload(metadata={"encoding": encoding}, data=data)),
    st.sampled_from([b"json/plain", b"binary/plain", b"binary/null", b"json/protobuf", b"nonsense", b""]),
    st.one_of(st.binary(max_size=64), st.sampled_from([b"{", b"null", b"[]", b'{"stage": 1}', b"\xff\xfe"])),
)


well_formed_signatures = st.fixed_dictionaries({
    "key_id": st.text(alphabet="0123456789abcdef", min_size=16, max_size=16),
    "signed_at": st.datetimes(timezones=st.just(timezone.utc)).map(datetime.isoformat),
    "case_id": st.sampled_from([f"household-exit/{VILLAGE}-e001/2017", f"household-exit/{VILLAGE}-e002/2017"]),
    "stage": st.sampled_from(["verification", "appraisal"]),
    "value": st.one_of(st.binary(min_size=1, max_size=64).map(lambda b: base64.b64encode(b).decode()),
                       st.text(min_size=1, max_size=100)),
})


@st.composite
def malformed_updates(draw: st.DrawFn) -> tuple[str, list[Any]]:
    pick = draw(st.integers(0, 9))
    if pick < 8:  # mostly the case's own updates, to reach their validators and handlers
        name = draw(st.sampled_from(sorted(UPDATE_MODELS)))
    elif pick == 8:
        name = draw(st.sampled_from(["state", "record_reminder", "run", ""]))
    else:
        name = draw(st.text(max_size=20))
    model = UPDATE_MODELS.get(name, DecisionCommand)
    shape = draw(st.integers(0, 9))
    if shape < 3:  # what the case awaits, by whom it awaits it, signed with rubbish: the validator passes it
        name = draw(st.sampled_from(["decide", "decide", "consent"]))
        if name == "decide":
            outcome = draw(st.sampled_from(["approve", "reject", "return"]))
            arg = {"stage": "verification", "outcome": outcome, "official_id": draw(st.sampled_from([VS, VD, WT]))}
            if outcome != "approve":
                arg["note"] = "理由"
            if outcome == "return":
                arg["to_stage"] = "appraisal"
        else:
            arg = {"official_id": f"{VILLAGE}-e001-head"}
            if draw(st.booleans()):
                arg.update(refuse=True, note="不认可")
        arg["signature"] = draw(st.one_of(st.none(), well_formed_signatures))
    elif shape < 6:  # well-formed, but unsigned or signed with rubbish
        arg = dict(draw(WELL_FORMED[model.__name__]))
        if "signature" in model.model_fields:
            arg["signature"] = draw(well_formed_signatures if draw(st.integers(0, 3)) else signatures)
    elif shape < 8:
        arg = draw(fields_of(model))
    elif shape < 9:
        arg = draw(json_values)
    else:
        arg = draw(raw_payloads)
    args = [[arg], [arg], [arg], [], [arg, arg]][draw(st.integers(0, 4))]
    return name, args


pytestmark = pytest.mark.timeout(240)


def test_malformed_updates_are_refused_and_no_workflow_task_fails(fuzz_bench):
    client = fuzz_bench.bench.client
    handle = client.get_workflow_handle(fuzz_bench.case_id)
    before = fuzz_bench.state()
    outcomes: dict[str, int] = {}

    async def send(name: str, args: list[Any]) -> str:
        try:
            payloads = client.data_converter.payload_converter.to_payloads(args)
        except PydanticSerializationError:
            return "cannot be sent (not UTF-8)"
        try:
            await handle.execute_update(name, args=[RawValue(p) for p in payloads], result_type=CaseAck)
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            kind = cause.type if isinstance(cause, ApplicationError) and cause.type else type(cause).__name__
            assert str(cause), "a refusal says why"
            return kind
        except RPCError as exc:  # refused by the server before it reaches the case (e.g. no update name)
            assert exc.status == RPCStatusCode.INVALID_ARGUMENT and exc.message, exc
            return "refused by the server"
        return "ACCEPTED"

    @SLOW
    @given(update=malformed_updates())
    def throw(update: tuple[str, list[Any]]) -> None:
        name, args = update
        kind = fuzz_bench.run(send(name, args), timeout=60)
        outcomes[kind] = outcomes.get(kind, 0) + 1
        assert kind != "ACCEPTED", f"update {name}({args!r}) was accepted"

    throw()

    after = fuzz_bench.state()
    assert after.decisions == before.decisions and after.objections == before.objections
    assert (after.stage, after.status, after.filled) == (before.stage, before.status, before.filled)
    assert fuzz_bench.run(fuzz_bench.bench.cases.task_failures(fuzz_bench.case_id)) == []
    description = fuzz_bench.run(handle.describe())
    pending = description.raw_description.pending_workflow_task
    assert pending.attempt <= 1, f"a workflow task is failing and retrying: {pending}"
    assert len(outcomes) > 3, outcomes  # refused for many different reasons
    # some passed their validator and were refused by the handler (the signature check): the path
    # where an exception other than ApplicationError would fail the workflow task
    assert outcomes.get("SignatureRefused"), outcomes
