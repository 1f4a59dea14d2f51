"""登记 of a newly poor household (动态管理, 二.1: 新增贫困人口…要及时纳入扶贫范围): the village two committees
register its data, signed, with the evidence's digest: as a candidate, never as poor (its enrolment
is a case: tests/supervision/test_enrollment.py)."""

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from activities.registry import reentries
from activities.registry.schema import Household, HouseholdIncome, OfficialPost, Reentry, StatusChange
from domain.reentry import NewHousehold, ReentryCommand
from domain.signature_rules import SignatureRefused
from starters import supervision
from starters.supervision_commands import register
from tests.support import small_registry
from tests.supervision.conftest import VILLAGE

VD, WT = f"{VILLAGE}-director", f"{VILLAGE}-workteam"


@pytest.fixture
def evidence_file(tmp_path: Path) -> Path:
    path = tmp_path / "致贫核查表.pdf"
    path.write_bytes("2018年房屋倒塌致贫：家庭人均可支配收入2500元".encode())
    return path


def test_a_newly_poor_household_is_registered_as_a_candidate_not_enrolled(sv_store, sv_keys: Path,
                                                                        evidence_file: Path) -> None:
    new_id = f"{VILLAGE}-n001"
    args = [new_id, "--village", VILLAGE, "--members", "4", "--head-name", "新增户主", "--income", "2018=2500",
            "--lacking", "safe_housing", "--reason", "房屋倒塌致贫", "--evidence", str(evidence_file),
            "--registry-url", str(sv_store.engine.url)]
    env = {"TUOPIN_KEYS_DIR": str(sv_keys), "TUOPIN_TRUST_DIR": str(small_registry.trust_dir(sv_keys))}
    refused = CliRunner().invoke(register, [*args, "--as", WT], env=env)
    assert refused.exit_code == 1 and "village two committees" in refused.output
    result = CliRunner().invoke(register, [*args, "--as", VD], env=env)
    assert result.exit_code == 0, result.output
    assert "新增户主" not in result.output  # personal data stays in the registry
    assert result.output.startswith(f"register/{new_id}: {new_id} registered as a candidate (登记, not yet poor)")
    assert f"tuopin open enrollment {new_id} --reason newly-poor" in result.output
    with sv_store.session() as s:
        h = s.get(Household, new_id)
        assert (h.status, h.members, h.safe_housing, h.food_and_clothing) == ("candidate", 4, False, True)
        assert s.get(HouseholdIncome, (new_id, 2018)).per_capita_income == 2500
        assert s.get(OfficialPost, f"{new_id}-head").role == "household_head"
        row = s.scalars(select(Reentry).where(Reentry.household_id == new_id)).one()
        assert (row.kind, row.official_id) == ("new", VD)
        assert row.evidence_sha256 == hashlib.sha256(evidence_file.read_bytes()).hexdigest()
        assert s.scalars(select(StatusChange.to_status).where(StatusChange.unit_id == new_id)).all() == ["candidate"]
    again = CliRunner().invoke(register, [*args, "--as", VD], env=env)
    assert again.exit_code == 1 and "already" in again.output


def test_a_registration_signed_over_other_data_does_not_verify(sv_store, sv_keys: Path, evidence_file: Path) -> None:
    from starters.signer import SIGNING_TIME
    from workers.settings import Settings

    SIGNING_TIME.set(None)
    settings = Settings(registry_url=str(sv_store.engine.url), keys_dir=sv_keys, trust=small_registry.trust_dir(sv_keys))
    new_id = f"{VILLAGE}-n002"
    new = NewHousehold(village_id=VILLAGE, members=2, head_name="户主乙")
    digest = hashlib.sha256(evidence_file.read_bytes()).hexdigest()
    official = supervision.official_of(sv_store, VD)
    other = ReentryCommand(household_id=new_id, kind="new", reason="因学致贫", evidence_sha256=digest, household=new,
                           official_id=VD)
    forged = supervision.signed_as(settings, official, None, other.subject_id, "reentry", other).signature
    with pytest.raises(SignatureRefused, match="does not match"):
        reentries.register_candidate(sv_store, new_id, new, "因病致贫", digest, VD, forged, forged.signed_at,
                                     trust_root=supervision.pinned_root(settings))
    with sv_store.session() as s:
        assert s.get(Household, new_id) is None
