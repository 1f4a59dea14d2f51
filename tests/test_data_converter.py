"""workers/data_converter.py: tuopin's values travel as the SDK's pydantic converter writes them. The
payloads of recorded cases (each workflow's input and result) read back into tuopin's models and
round-trip unchanged, as do the messages and query results the CLI exchanges with a case."""

import base64
import json
import typing
from datetime import datetime, timezone
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.converter import WorkflowSerializationContext

from domain.case import CaseProgress
from domain.messages import DecisionCommand
from workers.data_converter import DATA_CONVERTER
from workflows.registry import ALL_WORKFLOWS

HISTORIES = Path(__file__).parent / "histories"
RECORDED = sorted(p for p in HISTORIES.glob("*.json") if p.name != "workflow_ids.json")
WORKFLOWS = {cls.__name__: cls for cls in ALL_WORKFLOWS}

VALUES = [
    DecisionCommand(stage="verification", outcome="approve", official_id="v-director", note="入户核实"),
    CaseProgress(case_id="household-exit/x/2017", stage="notice", status="open", ready=True),
    datetime(2017, 3, 1, 16, tzinfo=timezone.utc),
    {"n": 3, "note": "公示"},
    None,
]


def _payload(raw: dict) -> Payload:
    return Payload(metadata={k: base64.b64decode(v) for k, v in raw.get("metadata", {}).items()},
                   data=base64.b64decode(raw.get("data", "")))


def _round_trip(payload: Payload, hint: type) -> None:
    converter = DATA_CONVERTER.payload_converter
    value = converter.from_payload(payload, hint)
    assert isinstance(value, typing.get_origin(hint) or hint)
    again = converter.to_payload(value)
    assert converter.from_payload(again, hint) == value


@pytest.mark.parametrize("path", RECORDED, ids=[p.stem for p in RECORDED])
def test_a_recorded_cases_input_and_result_read_back_into_the_models(path: Path):
    events = json.loads(path.read_text(encoding="utf-8"))["events"]
    started = events[0]["workflowExecutionStartedEventAttributes"]
    hints = typing.get_type_hints(WORKFLOWS[started["workflowType"]["name"]].run)
    [raw_input] = started["input"]["payloads"]
    _round_trip(_payload(raw_input), hints["inp"])
    completed = [e for e in events if e["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED"]
    for event in completed:
        [raw_result] = event["workflowExecutionCompletedEventAttributes"]["result"]["payloads"]
        _round_trip(_payload(raw_result), hints["return"])


def test_messages_and_answers_round_trip():
    converter = DATA_CONVERTER.payload_converter
    payloads = converter.to_payloads(VALUES)
    assert all(p.metadata["encoding"] == b"json/plain" for p in payloads[:-1])
    back = converter.from_payloads(payloads, [type(v) if v is not None else None for v in VALUES])
    assert back[:3] == VALUES[:3] and back[2].tzinfo is not None
    assert back[3] == VALUES[3] and back[4] is None


def test_a_workflows_own_copy_writes_the_same_bytes():
    """The SDK gives each workflow activation a copy with its serialization context."""
    copy = DATA_CONVERTER.with_context(WorkflowSerializationContext(namespace="default", workflow_id="w"))
    assert ([p.data for p in copy.payload_converter.to_payloads(VALUES)]
            == [p.data for p in DATA_CONVERTER.payload_converter.to_payloads(VALUES)])


def test_the_shared_converter_writes_what_the_sdks_pydantic_converter_writes():
    from temporalio.contrib.pydantic import pydantic_data_converter

    ours = DATA_CONVERTER.payload_converter.to_payloads(VALUES)
    stock = pydantic_data_converter.payload_converter.to_payloads(VALUES)
    assert [(p.metadata, p.data) for p in ours] == [(p.metadata, p.data) for p in stock]


def test_each_activations_converter_reuses_the_warm_encoders():
    """A payload converter built afresh (as the SDK builds one for each activation) shares the
    encoding converters, so their pydantic type adapters are built once per process."""
    from workers.data_converter import SharedPydanticPayloadConverter

    first, second = SharedPydanticPayloadConverter(), SharedPydanticPayloadConverter()
    assert first is not second
    assert list(map(id, first.converters.values())) == list(map(id, second.converters.values()))
    assert first.converters[b"json/plain"].__class__.__name__ == "PydanticJSONPlainPayloadConverter"
