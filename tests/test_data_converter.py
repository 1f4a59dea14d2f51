"""workers/data_converter.py: the pydantic converter built once per process writes exactly what the
SDK's own writes (cases started with either read the same), and building another is free."""

from datetime import datetime, timezone

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import WorkflowSerializationContext

from domain.case import CaseProgress
from domain.messages import DecisionCommand
from workers.data_converter import DATA_CONVERTER, SharedPydanticPayloadConverter

VALUES = [
    DecisionCommand(stage="verification", outcome="approve", official_id="v-director", note="入户核实"),
    CaseProgress(case_id="household-exit/x/2017", stage="notice", status="open", ready=True),
    {"at": datetime(2017, 3, 1, tzinfo=timezone.utc).isoformat(), "n": 3},
    None,
]


def test_payloads_are_the_stock_pydantic_converters_byte_for_byte():
    ours = DATA_CONVERTER.payload_converter.to_payloads(VALUES)
    stock = pydantic_data_converter.payload_converter.to_payloads(VALUES)
    assert [(p.metadata, p.data) for p in ours] == [(p.metadata, p.data) for p in stock]
    back = DATA_CONVERTER.payload_converter.from_payloads(stock, [type(v) if v is not None else None for v in VALUES])
    assert back[:2] == VALUES[:2]


def test_instances_share_one_state_and_ignore_the_context():
    first, second = SharedPydanticPayloadConverter(), SharedPydanticPayloadConverter()
    assert first.__dict__ is second.__dict__
    assert first.with_context(WorkflowSerializationContext(namespace="default", workflow_id="w")) is first
    # the SDK's per-activation copies are built on it too
    copy = DATA_CONVERTER.with_context(WorkflowSerializationContext(namespace="default", workflow_id="w"))
    assert copy.payload_converter.to_payloads(VALUES[:1])[0].data == first.to_payloads(VALUES[:1])[0].data
