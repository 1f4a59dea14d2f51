"""A stage reads its officials, the revocations of their keys and the worker's pinned root in one
registry call; when nothing changed since the case last read them, the answer leaves them out (the
case keeps what it has) and the history stays small."""

from datetime import datetime, timezone

import pytest

from activities.models import RosterInput
from activities.registry.keys import certificate_of, keys_of, record_revocation
from activities.registry.store import RegistryStore
from activities.registry_activities import RegistryActivities
from domain.certificates import check_revocation, issue_revocation
from starters.trust_setup import admin_key
from tests.support import small_registry
from workers.policy_loader import load_policy
from workers.settings import PROJECT_ROOT

WHERE = [small_registry.VILLAGE, small_registry.TOWNSHIP, small_registry.COUNTY]


@pytest.fixture(scope="module")
def keys_dir(tmp_path_factory: pytest.TempPathFactory):
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(scope="module")
def activities(registry_url: str, keys_dir) -> RegistryActivities:
    store = RegistryStore.from_url(registry_url)
    small_registry.build(store, keys_dir)
    return RegistryActivities(store, load_policy(PROJECT_ROOT / "data"), small_registry.trust(keys_dir).root_public_key)


def test_signers_come_with_the_pinned_root_and_an_unchanged_registry_answers_in_one_word(activities):
    first = activities.load_signers(RosterInput(jurisdiction_ids=WHERE))
    officials = {o.official_id for o in first.roster.officials}
    assert f"{small_registry.TOWNSHIP}-head" in officials and not first.unchanged
    assert first.trust_root == activities.trust_root and first.revocations == []

    again = activities.load_signers(RosterInput(jurisdiction_ids=WHERE, known=first.digest))
    assert again.unchanged and again.digest == first.digest and again.roster.officials == ()
    assert again.trust_root == activities.trust_root
    # another digest (another case, a stale one): the whole answer
    assert not activities.load_signers(RosterInput(jurisdiction_ids=WHERE, known="0" * 64)).unchanged


def test_a_revocation_changes_the_answer_and_comes_signed(activities, keys_dir):
    before = activities.load_signers(RosterInput(jurisdiction_ids=WHERE))
    official = f"{small_registry.TOWNSHIP}-secretary"
    (key,) = [k["key_id"] for k in keys_of(activities.store, official) if k["revoked_at"] is None][:1]
    root = admin_key(small_registry.trust_dir(keys_dir))
    record_revocation(activities.store, issue_revocation(
        root, certificate_of(activities.store, key), revoked_at=datetime.now(timezone.utc), reason="test"), "county admin")
    after = activities.load_signers(RosterInput(jurisdiction_ids=WHERE, known=before.digest))
    assert not after.unchanged and after.digest != before.digest
    (revocation,) = [r for r in after.revocations if r.key_id == key]
    check_revocation(revocation, activities.trust_root)


def test_the_signers_are_exactly_the_roster(activities):
    read = activities.load_signers(RosterInput(jurisdiction_ids=WHERE))
    assert read.roster == activities.store.roster(WHERE)
    assert activities.load_signers(RosterInput(jurisdiction_ids=["no-such-place"])).roster.officials == ()
