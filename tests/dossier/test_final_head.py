"""The final head the registry keeps at 销号 (table case_heads) is the one in the case's history.

A worker killed after the registry committed the closing steps, before the server heard of its
workflow task (tests/faults/test_worker_killed_in_local_activity.py), leaves the registry a head no
history holds: the new worker re-runs the task later, its closing entries carry later times and
chain to another head. That later head replaces the lost one; a retry returns what is kept; an
earlier head than the one kept is refused."""

from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from activities.registry.case_heads import HeadConflict, final_heads, keep_final_head
from domain.anchors import AnchorStatement, sign_anchor

from .conftest import TestRoot

AT = datetime(2017, 12, 1, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def sign():
    root, key = TestRoot(), Ed25519PrivateKey.generate()
    cert = root.certify_service(key)

    def anchor(case_id: str, head: str, at: datetime, count: int = 20):
        return sign_anchor(key, cert, AnchorStatement(case_id=case_id, count=count, head=head, final=True, at=at))

    return anchor


def test_a_retried_call_returns_the_head_kept(small_store, sign):
    case = "household-exit/final-head-retry/2017"
    first = keep_final_head(small_store, sign(case, "a" * 64, AT))
    again = keep_final_head(small_store, sign(case, "a" * 64, AT + timedelta(seconds=3)))
    assert again == first and final_heads(small_store, [case])[case] == first


def test_the_head_of_a_rerun_task_replaces_the_lost_one(small_store, sign):
    case = "household-exit/final-head-lost-task/2017"
    keep_final_head(small_store, sign(case, "a" * 64, AT))  # the lost task's: in no history
    rerun = sign(case, "b" * 64, AT + timedelta(seconds=40), count=21)
    assert keep_final_head(small_store, rerun) == rerun
    assert final_heads(small_store, [case])[case] == rerun


def test_an_earlier_head_than_the_one_kept_is_refused_and_changes_nothing(small_store, sign):
    case = "household-exit/final-head-stale/2017"
    kept = keep_final_head(small_store, sign(case, "b" * 64, AT))
    with pytest.raises(HeadConflict, match="later final head"):
        keep_final_head(small_store, sign(case, "a" * 64, AT - timedelta(seconds=1)))
    assert final_heads(small_store, [case])[case] == kept
