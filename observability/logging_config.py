"""structlog, configured once per entry point; Temporal's stdlib logs are rendered through it too.

Off a terminal (files, journald, a log shipper) every line is one JSON object with a UTC timestamp.
On a terminal the lines are for people: aligned, coloured, stamped with the county's time and
offset (domain/county.py), lists as comma-separated values and other nested values as compact
JSON rather than Python reprs, and
Temporal's context dicts reduced to the ids a person looks for."""

import json
import logging
import sys
from datetime import datetime
from typing import Any

import structlog

from domain.county import TIME_ZONE

_COMMON = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
]
# the ids worth a person's eye from the context Temporal's loggers attach (JSON keeps it all)
_TEMPORAL_IDS = ("workflow_id", "workflow_type", "activity_type", "update_name")


def _local_timestamp(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    event["timestamp"] = datetime.now(TIME_ZONE).isoformat(sep=" ", timespec="seconds")
    return event


def _readable_values(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    for key in ("temporal_workflow", "temporal_activity"):
        details = event.pop(key, None)
        if isinstance(details, dict):
            for name in _TEMPORAL_IDS:
                if name in details:
                    event.setdefault(name, details[name])
    for key, value in event.items():
        if key == "exc_info":
            continue
        if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float)) for v in value):
            event[key] = ",".join(map(str, value)) or "-"
        elif isinstance(value, (dict, list, tuple)):
            event[key] = json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))
    return event


def wants_json(fmt: str, stream: Any = None) -> bool:
    return fmt == "json" or (fmt == "auto" and not (stream or sys.stderr).isatty())


def configure_logging(fmt: str = "auto", level: int = logging.INFO) -> None:
    use_json = wants_json(fmt)
    if use_json:
        shared = [*_COMMON, structlog.processors.TimeStamper(fmt="iso", utc=True)]
        renderer: Any = structlog.processors.JSONRenderer(ensure_ascii=False)
        finish: list[Any] = []
    else:
        shared = [*_COMMON, _local_timestamp]
        renderer = structlog.dev.ConsoleRenderer()
        finish = [_readable_values]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder()],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *finish, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # a migration check runs at every start: its chatter is not news
    logging.getLogger("alembic").setLevel(logging.WARNING)


def temporal_context_in_fields_only() -> None:
    """Temporal's workflow and activity loggers also append their context to the message as a Python
    dict; the same context is in the record's fields (`temporal_workflow`, `temporal_activity`), so
    the message stays the event's name. Called by the processes that run workers (it imports the SDK)."""
    from temporalio import activity, workflow

    workflow.logger.workflow_info_on_message = False
    activity.logger.activity_info_on_message = False
