"""The registry's working year (年度): moved forward only by the key administrator's signed act, one
year at a time; a case opens only for it (tests/workflows/test_working_year.py), so no exit is
recorded for another year than the one the county is working in.

清委办〔2017〕25号 二.1: "确保贫困退出反映客观实际、经得起检验"; 二.3: "数据准确" — an exit recorded
for a year it did not happen in (a 2018 exit written as 2017's, earning 2017's early-exit bonus) is
neither.
"""

import json
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from activities.registry.schema import WorkingYear
from activities.registry.working_year import acts, current_year, record_act
from domain.canonical import public_key_text
from domain.working_year import (
    NotWorkingYear,
    WorkingYearRefused,
    next_act_problem,
    require_working_year,
    sign_act,
    working_year,
)
from starters.cli import cli
from starters.registry_commands import advance_working_year
from starters.trust_setup import admin_key
from tests.support import small_registry

AT = datetime(2018, 1, 2, tzinfo=timezone.utc)
ROOT = Ed25519PrivateKey.generate()
ROOT_PUB = public_key_text(ROOT.public_key())


def chain(*years: int, root: Ed25519PrivateKey = ROOT) -> list:
    out, previous = [], None
    for year in years:
        out.append(sign_act(root, year=year, previous=previous, set_by="admin", set_at=AT))
        previous = year
    return out


# -- the rule (pure) -------------------------------------------------------------------------------


def test_the_working_year_moves_forward_one_year_at_a_time():
    assert next_act_problem(None, 2017, 2026) is None  # the first act
    assert next_act_problem(2017, 2018, 2026) is None
    assert "never back to 2016" in next_act_problem(2017, 2016, 2026)
    assert "already the working year" in next_act_problem(2017, 2017, 2026)
    assert "would skip 2018" in next_act_problem(2017, 2019, 2026)
    assert "ahead of time" in next_act_problem(2025, 2026, 2025)


def test_the_working_year_is_the_end_of_a_chain_of_acts_signed_by_the_root():
    assert working_year([], ROOT_PUB) is None
    assert working_year(chain(2017, 2018, 2019), ROOT_PUB) == 2019


def test_an_act_signed_by_another_key_is_refused():
    other = Ed25519PrivateKey.generate()
    forged = chain(2017)[0:1] + [sign_act(other, year=2018, previous=2017, set_by="intruder", set_at=AT)]
    with pytest.raises(WorkingYearRefused, match="not signed by the pinned administrator root"):
        working_year(forged, ROOT_PUB)


def test_an_altered_act_is_refused():
    first, second = chain(2017, 2018)
    altered = second.model_copy(update={"statement": second.statement.model_copy(update={"year": 2016})})
    with pytest.raises(WorkingYearRefused, match="not signed"):
        working_year([first, altered], ROOT_PUB)


def test_a_signed_act_out_of_its_chain_is_refused():
    """Two genuine acts whose years do not follow each other (a 2017 act and a 2019 one naming 2018)."""
    acts_ = [chain(2017)[0], sign_act(ROOT, year=2019, previous=2018, set_by="admin", set_at=AT)]
    with pytest.raises(WorkingYearRefused, match="broken"):
        working_year(acts_, ROOT_PUB)


def test_a_case_opens_only_for_the_working_year():
    require_working_year(2018, 2018)
    with pytest.raises(NotWorkingYear, match="working year 2018, not 2017"):
        require_working_year(2017, 2018)
    with pytest.raises(NotWorkingYear, match="no working year"):
        require_working_year(2017, None)


# -- the registry --------------------------------------------------------------------------------


@pytest.fixture
def registry(tmp_path):
    from activities.registry.store import RegistryStore

    keys = tmp_path / "keys"
    keys.mkdir()
    store = RegistryStore.from_url(f"sqlite:///{tmp_path / 'r.db'}")
    small_registry.build(store, keys)
    return store, admin_key(small_registry.trust_dir(keys))


def _rows(store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(WorkingYear))


def test_the_small_registry_starts_in_2017_by_a_signed_act(registry):
    store, root = registry
    assert current_year(store, public_key_text(root.public_key())) == 2017
    assert [a.statement.previous for a in acts(store)] == [None]


def test_moving_forward_back_or_skipping(registry):
    store, root = registry
    pub = public_key_text(root.public_key())
    advance_working_year(store, root, 2018, "admin")
    assert current_year(store, pub) == 2018
    for year, reason in ((2017, "never back to 2017"), (2018, "already"), (2020, "would skip 2019")):
        with pytest.raises(WorkingYearRefused, match=reason):
            advance_working_year(store, root, year, "admin")
    assert _rows(store) == 2  # nothing written by a refusal


def test_the_registry_refuses_an_act_that_does_not_extend_its_chain(registry):
    """A well-signed act naming a wrong previous year, or made by another root, is not kept."""
    store, root = registry
    pub = public_key_text(root.public_key())
    wrong_previous = sign_act(root, year=2018, previous=2016, set_by="admin", set_at=AT)
    with pytest.raises(WorkingYearRefused, match="names 2016 as the year before"):
        record_act(store, wrong_previous, pub, 2026)
    foreign = sign_act(ROOT, year=2018, previous=2017, set_by="intruder", set_at=AT)
    with pytest.raises(WorkingYearRefused, match="not signed by the pinned administrator root"):
        record_act(store, foreign, pub, 2026)
    assert _rows(store) == 1


def test_a_forged_row_written_straight_into_the_registry_breaks_the_year(registry):
    """Write access to the registry cannot make a year: the worker checks every act against its root."""
    store, root = registry
    pub = public_key_text(root.public_key())
    forged = sign_act(ROOT, year=2018, previous=2017, set_by="intruder", set_at=AT)
    with store.session() as s:
        s.add(WorkingYear(year=2018, previous=2017, set_by="intruder", set_at=AT, act=forged.model_dump_json()))
    with pytest.raises(WorkingYearRefused, match="not signed by the pinned administrator root"):
        current_year(store, pub)


# -- the command line ----------------------------------------------------------------------------


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TUOPIN_HOME", str(tmp_path / "home"))
    seeded = CliRunner().invoke(cli, ["registry", "seed", "--json"])
    assert seeded.exit_code == 0, seeded.output
    assert json.loads(seeded.output)["working_year"] == 2017
    return tmp_path


def test_the_demo_registry_starts_in_2017_and_the_administrator_moves_it_forward(home):
    shown = CliRunner().invoke(cli, ["registry", "year", "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["year"] == 2017
    moved = CliRunner().invoke(cli, ["registry", "year", "set", "2018", "--as", "县扶贫办管理员", "--json"])
    assert moved.exit_code == 0, moved.output
    assert json.loads(moved.output) | {"set_at": None} == {"year": 2018, "previous": 2017, "set_by": "县扶贫办管理员", "set_at": None}
    text = CliRunner().invoke(cli, ["registry", "year"])
    assert text.exit_code == 0 and "working year 2018" in text.output and "县扶贫办管理员" in text.output


def test_back_skip_or_ahead_is_refused_with_its_reason(home):
    for year, reason in (("2016", "never back to 2016"), ("2017", "already the working year"),
                         ("2019", "would skip 2018"), ("2099", "ahead of time")):
        refused = CliRunner().invoke(cli, ["registry", "year", "set", year, "--as", "admin"])
        assert refused.exit_code == 1 and reason in refused.output, (year, refused.output)
        assert json.loads(CliRunner().invoke(cli, ["registry", "year", "--json"]).output)["year"] == 2017


def test_an_act_signed_with_another_key_than_the_pinned_root_is_refused(home, tmp_path):
    from starters.signer import write_private_key

    other = tmp_path / "other.pem"
    write_private_key(other, Ed25519PrivateKey.generate(), overwrite=True)
    refused = CliRunner().invoke(cli, ["registry", "year", "set", "2018", "--as", "admin", "--admin-key", str(other)])
    assert refused.exit_code == 1 and "not the root the workers pin" in refused.output
    assert json.loads(CliRunner().invoke(cli, ["registry", "year", "--json"]).output)["year"] == 2017


def test_set_needs_the_administrator(home):
    missing = CliRunner().invoke(cli, ["registry", "year", "set", "2018"])
    assert missing.exit_code == 2 and "--as" in missing.output
