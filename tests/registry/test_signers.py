"""A stage reads its officials with their keys in one registry call; when nothing changed since the
case last read them, the answer leaves them out (the case keeps what it has) and the history stays small."""

from datetime import datetime, timezone

import pytest

from activities.models import RosterInput
from activities.registry.keys import keys_of, revoke_key
from activities.registry.store import RegistryStore
from activities.registry_activities import RegistryActivities
from tests.support import small_registry
from workers.policy_loader import load_policy
from workers.settings import PROJECT_ROOT

WHERE = [small_registry.VILLAGE, small_registry.TOWNSHIP, small_registry.COUNTY]


@pytest.fixture(scope="module")
def activities(registry_url: str, tmp_path_factory: pytest.TempPathFactory) -> RegistryActivities:
    store = RegistryStore.from_url(registry_url)
    small_registry.build(store, tmp_path_factory.mktemp("keys"))
    return RegistryActivities(store, load_policy(PROJECT_ROOT / "data"))


def test_signers_come_with_their_keys_and_an_unchanged_registry_answers_in_one_word(activities):
    first = activities.load_signers(RosterInput(jurisdiction_ids=WHERE))
    officials = {o.official_id for o in first.roster.officials}
    assert f"{small_registry.TOWNSHIP}-head" in officials and first.keys and not first.unchanged
    assert {k.official_id for k in first.keys} <= officials
    assert f"{small_registry.TOWNSHIP}-head" in {k.official_id for k in first.keys}

    again = activities.load_signers(RosterInput(jurisdiction_ids=WHERE, known=first.digest))
    assert again.unchanged and again.digest == first.digest and again.roster.officials == () and again.keys == []
    # another digest (another case, a stale one): the whole answer
    assert not activities.load_signers(RosterInput(jurisdiction_ids=WHERE, known="0" * 64)).unchanged


def test_a_revocation_changes_the_answer(activities):
    before = activities.load_signers(RosterInput(jurisdiction_ids=WHERE))
    official = f"{small_registry.TOWNSHIP}-secretary"
    key = next(k for k in keys_of(activities.store, official) if k.revoked_at is None)
    revoke_key(activities.store, key.key_id, "county admin", "test", datetime.now(timezone.utc))
    after = activities.load_signers(RosterInput(jurisdiction_ids=WHERE, known=before.digest))
    assert not after.unchanged and after.digest != before.digest
    assert next(k for k in after.keys if k.key_id == key.key_id).revoked_at is not None


def test_the_signers_are_exactly_the_roster_and_each_officials_keys(activities):
    """load_signers reads plain rows in one transaction; it must list what the registry's other
    readers list (the opening's checks in the client read `roster` and `keys_of`)."""
    read = activities.load_signers(RosterInput(jurisdiction_ids=WHERE))
    store = activities.store
    assert read.roster == store.roster(WHERE)
    expected = sorted(
        (k for o in read.roster.officials for k in keys_of(store, o.official_id)), key=lambda k: (k.registered_at, k.key_id)
    )
    assert read.keys == expected
    assert activities.load_signers(RosterInput(jurisdiction_ids=["no-such-place"])).roster.officials == ()
