"""Hypothesis strategies for what officials, villagers and outsiders can send: JSON of any shape,
the update models' fields filled with plausible and implausible values, command-line words."""

import os
import string
from datetime import datetime, timezone
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from domain.messages import DecisionCommand
from domain.procedures import PROCEDURES
from tests.support.small_registry import COUNTY, OTHER_VILLAGE, TOWNSHIP, VILLAGE

# Deterministic (the same examples on every run, so a failure is a failure and not luck), no
# example database written into the project, no deadline on a 2-core machine shared with others.
# TUOPIN_FUZZ_EXPLORE=N (by hand, not in CI): N random examples per test instead, to look further.
_EXPLORE = int(os.environ.get("TUOPIN_FUZZ_EXPLORE", "0"))
EXPLORING = bool(_EXPLORE)
_MODE = dict(derandomize=False, max_examples=_EXPLORE) if _EXPLORE else dict(derandomize=True)
FAST = settings(**{"max_examples": 200, **_MODE}, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(**{"max_examples": 80, **_MODE}, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

STAGES = sorted({s for p in PROCEDURES.values() for s in p.stage_ids()})
HOUSEHOLD_STAGES = PROCEDURES["household"].stage_ids()
OFFICIALS = [
    f"{VILLAGE}-secretary", f"{VILLAGE}-director", f"{VILLAGE}-workteam", f"{OTHER_VILLAGE}-secretary",
    f"{TOWNSHIP}-secretary", f"{TOWNSHIP}-head", f"{COUNTY}-group", f"{COUNTY}-secretary", f"{COUNTY}-head",
    f"{COUNTY}-deputy-group", f"{COUNTY}-acting-head", "sanming-group", "fujian-group", f"{VILLAGE}-e001-head",
]

ODD = ["", " ", "\n", "\t", "\x00", "'", '"', "%", "../", "--json", "-", "=", "…", "中文", "\u202e", "\ufeff",
       "a" * 121, "b" * 2001, "9" * 30, "-1", "0", "1e309", "NaN", "null", "{}", "[]", "\udcff"]

texts = st.one_of(st.text(max_size=40), st.sampled_from(ODD), st.text(min_size=2001, max_size=2100))
ids = st.one_of(
    st.sampled_from(OFFICIALS),
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,30}", fullmatch=True),
    texts,
)

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30), st.sampled_from(ODD))
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)

datetimes = st.one_of(
    st.datetimes(timezones=st.just(timezone.utc)).map(datetime.isoformat),
    st.datetimes().map(datetime.isoformat),  # naive
    texts,
    st.integers(),
)
signatures = st.one_of(
    st.none(),
    st.fixed_dictionaries({
        "key_id": st.one_of(st.text(alphabet="0123456789abcdef", min_size=16, max_size=16), texts),
        "signed_at": datetimes,
        "case_id": st.one_of(st.just(f"household-exit/{VILLAGE}-e001/2017"), texts),
        "stage": st.one_of(st.sampled_from(STAGES), texts),
        "value": st.one_of(st.text(alphabet=string.ascii_letters + string.digits + "+/=", min_size=1, max_size=100), texts),
    }),
    json_values,
)
records = st.one_of(
    st.none(),
    st.fixed_dictionaries({
        "held_on": st.one_of(st.dates().map(str), texts),
        "attendance": st.one_of(st.integers(), texts),
        "result": texts,
    }),
    st.dictionaries(st.sampled_from(["held_on", "attendance", "result", "findings", "departments"]), json_values, max_size=4),
    json_values,
)

FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "stage": st.one_of(st.sampled_from(STAGES), texts),
    "to_stage": st.one_of(st.none(), st.sampled_from(STAGES), texts),
    "outcome": st.one_of(st.sampled_from(["approve", "return", "reject", "uphold", "dismiss", "consent", "refuse", "posted"]), texts),
    "refuse": st.one_of(st.booleans(), json_values),
    "posted_at": datetimes,
    "place": texts,
    "official_id": ids,
    "objection_id": st.one_of(st.sampled_from(["O1", "O2", "O0"]), ids),
    "contact": texts,
    "recipient": ids,
    "meeting_ref": st.one_of(st.none(), texts),
    "note": st.one_of(st.none(), texts),
    "reason": texts,
    "finding": texts,
    "name": texts,
    "record": records,
    "signature": signatures,
    "kind": st.one_of(st.sampled_from(["reminder", "escalation"]), texts),
    "waiting_since": datetimes,
    "exit_type": st.one_of(st.sampled_from(["household", "village", "township", "county"]), texts),
    "unit_id": ids,
    "year": st.one_of(st.integers(min_value=2000, max_value=2200), st.integers(), texts),
    "designation": st.one_of(st.none(), st.sampled_from(["poor", "hollow"]), texts),
    "simulation": st.one_of(st.none(), st.fixed_dictionaries({"notice_seconds": st.one_of(st.integers(), texts)}), json_values),
    "notice_seconds": st.one_of(st.integers(), texts),
    "key_id": st.one_of(st.text(alphabet="0123456789abcdef", min_size=16, max_size=16), texts),
    "signed_at": datetimes,
    "case_id": texts,
    "value": texts,
}


def fields_of(model: Any) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts shaped like the model: some of its fields (plausible or not), sometimes an extra one."""
    names = list(model.model_fields)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
        value = {name: draw(FIELD_VALUES.get(name, json_values)) for name in chosen}
        if "first_decision" in chosen:
            value["first_decision"] = draw(fields_of(DecisionCommand))
        if draw(st.integers(0, 9)) == 0:
            value[draw(st.text(min_size=1, max_size=12))] = draw(json_values)
        return value

    return build()


# -- well-formed commands (valid models) with plausible and implausible content -----------------
valid_ids = st.one_of(st.sampled_from(OFFICIALS), st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,30}", fullmatch=True))
valid_texts = st.one_of(st.text(min_size=1, max_size=40), st.sampled_from(["经核实", "县委常委会〔2017〕12号", "x"]))
appraisal_records = st.fixed_dictionaries({
    "held_on": st.one_of(st.dates().map(str), st.just("2017-01-05")),
    "attendance": st.integers(-5, 20000),
    "result": st.one_of(valid_texts, st.just("")),
})
WELL_FORMED: dict[str, st.SearchStrategy[Any]] = {
    "DecisionCommand": st.builds(
        lambda head, outcome, note, to_stage: {**head, "outcome": outcome, **(
            {"note": note, "to_stage": to_stage} if outcome == "return" else {"note": note} if outcome == "reject" else {}
        )},
        st.fixed_dictionaries({
            "stage": st.one_of(st.sampled_from(HOUSEHOLD_STAGES), st.sampled_from(STAGES)),
            "official_id": valid_ids,
            "meeting_ref": st.one_of(st.none(), valid_texts),
            "record": st.one_of(st.none(), st.none(), appraisal_records, records),
        }),
        st.sampled_from(["approve", "approve", "return", "reject"]),
        valid_texts,
        st.sampled_from(HOUSEHOLD_STAGES),
    ),
    "ConsentCommand": st.fixed_dictionaries({"official_id": valid_ids, "note": st.one_of(st.none(), valid_texts),
                                             "refuse": st.booleans()}),
    "PostingCommand": st.fixed_dictionaries({
        "official_id": valid_ids,
        # around the fuzz cases' clocks (2017, and the test server's now), and far from them
        "posted_at": st.one_of(
            st.datetimes(min_value=datetime(2017, 5, 1), max_value=datetime(2017, 7, 1), timezones=st.just(timezone.utc)),
            st.datetimes(timezones=st.just(timezone.utc)),
        ),
        "place": valid_texts,
    }),
    "ObjectionCommand": st.fixed_dictionaries({"name": valid_texts, "reason": valid_texts, "contact": valid_texts}),
    "ResolutionCommand": st.fixed_dictionaries({
        "objection_id": st.one_of(st.sampled_from(["O1", "O2"]), valid_ids),
        "outcome": st.sampled_from(["uphold", "dismiss"]),
        "official_id": valid_ids,
        "finding": valid_texts,
    }),
}


def commands(model: Any) -> st.SearchStrategy[dict[str, Any]]:
    """Mostly well-formed (to reach the rules), sometimes anything shaped like the model."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        # (st.one_of would merge repeated branches: weigh by hand)
        return draw(WELL_FORMED[model.__name__] if draw(st.integers(0, 3)) else fields_of(model))

    return build()
