"""Attacks on the working year (年度) by someone with write access to the registry database alone
(docs/security.md: it must not make a year). Every act the worker reads is checked against the root
it pins; whatever else is in the table refuses every opening, with its reason, and never moves the
year: a row that is not an act at all, a genuine act copied to another year, an act whose fields
were edited, a certificate (also root-signed) stored as an act, a genuine act whose predecessor was
withheld."""

import json

import pytest
from sqlalchemy import delete, update

from activities.registry.schema import WorkingYear
from activities.registry.store import RegistryStore
from activities.registry.working_year import current_year
from domain.canonical import public_key_text
from domain.working_year import WorkingYearRefused
from starters.registry_commands import advance_working_year
from starters.signer import load_certificate
from starters.trust_setup import admin_key
from tests.support import small_registry
from workers.settings import Settings


@pytest.fixture
def registry(tmp_path):
    keys = tmp_path / "keys"
    keys.mkdir()
    store = RegistryStore.from_url(f"sqlite:///{tmp_path / 'r.db'}")
    small_registry.build(store, keys)
    root = admin_key(small_registry.trust_dir(keys))
    return store, public_key_text(root.public_key()), root, keys


def _act_json(store, year: int) -> str:
    with store.session() as s:
        return s.get(WorkingYear, year).act


def _add_row(store, year: int, act: str) -> None:
    from datetime import datetime, timezone

    with store.session() as s:
        s.add(WorkingYear(year=year, previous=year - 1, set_by="intruder", set_at=datetime(2018, 1, 1, tzinfo=timezone.utc),
                          act=act))


@pytest.mark.parametrize("garbage", ["", "not json", "{}", '{"statement": {}, "signature": "AA=="}'])
def test_a_row_that_is_not_an_act_refuses_with_its_reason(registry, garbage):
    store, pub, _, _ = registry
    _add_row(store, 2018, garbage)
    with pytest.raises(WorkingYearRefused, match="working-year row for 2018 is not a signed act"):
        current_year(store, pub)


def test_a_genuine_act_copied_to_the_next_year_does_not_move_it(registry):
    store, pub, _, _ = registry
    _add_row(store, 2018, _act_json(store, 2017))
    with pytest.raises(WorkingYearRefused, match="chain of acts"):
        current_year(store, pub)


def test_an_act_edited_in_the_database_does_not_verify(registry):
    store, pub, root, _ = registry
    advance_working_year(store, root, 2018, "admin")
    edited = json.loads(_act_json(store, 2018))
    edited["statement"]["year"] = 2019
    edited["statement"]["previous"] = 2018
    with store.session() as s:
        s.execute(update(WorkingYear).where(WorkingYear.year == 2018).values(year=2019, previous=2018,
                                                                             act=json.dumps(edited)))
    with pytest.raises(WorkingYearRefused):
        current_year(store, pub)


def test_a_root_signed_certificate_stored_as_an_act_is_not_an_act(registry):
    store, pub, _, keys = registry
    settings = Settings(registry_url=str(store.engine.url), keys_dir=keys, trust=small_registry.trust_dir(keys))
    cert = load_certificate(settings, f"{small_registry.VILLAGE}-secretary")
    forged = {"statement": cert.statement.model_dump(mode="json"), "signature": cert.signature}
    _add_row(store, 2018, json.dumps(forged))
    with pytest.raises(WorkingYearRefused, match="not a signed act"):
        current_year(store, pub)


def test_withholding_a_middle_act_breaks_the_year_rather_than_skipping_it(registry):
    store, pub, root, _ = registry
    advance_working_year(store, root, 2018, "admin")
    advance_working_year(store, root, 2019, "admin")
    with store.session() as s:
        s.execute(delete(WorkingYear).where(WorkingYear.year == 2018))
    with pytest.raises(WorkingYearRefused, match="chain of acts"):
        current_year(store, pub)
