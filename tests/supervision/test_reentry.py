"""返贫 and 新增 (动态管理, 二.1): a household that exited returns to poverty by a signed re-entry with its
evidence's digest, and later exits again for a later year; a newly poor household is enrolled."""

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from activities.registry import reentries
from activities.registry import supervision as registry
from activities.registry.plan_queries import read_plan_facts
from activities.registry.schema import Household, HouseholdIncome, OfficialPost, Reentry, StatusChange
from domain.reentry import ReentryCommand
from domain.signature_rules import SignatureRefused
from starters import supervision
from starters.errors import Refused
from starters.supervision_commands import enroll, reenter
from starters.signer import SIGNING_TIME
from tests.support import small_registry
from tests.supervision.conftest import VILLAGE, exit_household, household

VS, VD, WT = f"{VILLAGE}-secretary", f"{VILLAGE}-director", f"{VILLAGE}-workteam"
HH = household(11)
AT = datetime(2019, 3, 1, tzinfo=timezone.utc)


@pytest.fixture
def evidence_file(tmp_path: Path) -> Path:
    path = tmp_path / "返贫核查表.pdf"
    path.write_bytes("2019年因病返贫：住院费用4.2万元，家庭人均可支配收入降至2800元".encode())
    return path


def _statuses(store, hid: str) -> list[tuple[str, str, str]]:
    return [(c.case_id, c.from_status, c.to_status) for c in store.status_changes(hid)]


def _tally(store, year: int) -> int:
    facts = read_plan_facts(store)
    return sum(t.persons for t in facts.actual.households if t.township_id == "changxiao" and t.year == year)


async def test_a_household_returns_to_poverty_and_exits_again(sv_driver, sv_store, evidence_file: Path) -> None:
    settings = sv_driver.settings
    await exit_household(sv_driver, HH, 2017)
    SIGNING_TIME.set(None)  # a re-entry is checked by the registry, at the wall clock
    persons_2017 = _tally(sv_store, 2017)
    digest = hashlib.sha256(evidence_file.read_bytes()).hexdigest()

    # refused: not the village two committees, another village's, a household still poor; nothing changes
    for who, kind in ((WT, "WrongRole"), ("changxiao-shaping-secretary", "WrongJurisdiction"),
                      ("changxiao-secretary", "WrongRole")):
        with pytest.raises(Refused) as refusal:
            supervision.reenter(settings, HH, "因病返贫", evidence_file, who)
        assert refusal.value.kind == kind, refusal.value.format_message()
    with pytest.raises(Refused, match="not exited"):
        supervision.reenter(settings, household(12), "因病返贫", evidence_file, VS)
    # a signature over another reason does not verify
    official = supervision.official_of(sv_store, VS)
    previous = f"household-exit/{HH}/2017"
    other_reason = ReentryCommand(household_id=HH, kind="return", reason="因学返贫", evidence_sha256=digest,
                                  previous_case_id=previous, official_id=VS)
    forged = supervision.signed_as(settings, official, None, other_reason.subject_id, "reentry", other_reason).signature
    with pytest.raises(SignatureRefused, match="does not match"):
        reentries.record_return(sv_store, HH, "因病返贫", digest, VS, forged, forged.signed_at,
                                trust_root=supervision.pinned_root(settings))
    with sv_store.session() as s:
        assert s.get(Household, HH).status == "exited"
        assert s.scalars(select(Reentry).where(Reentry.household_id == HH)).all() == []

    # the CLI command, signed by the village secretary with the evidence file
    result = CliRunner().invoke(
        reenter, [HH, "--reason", "因病返贫", "--evidence", str(evidence_file), "--as", VS, "--json",
                  "--registry-url", settings.registry],
        env={"TUOPIN_KEYS_DIR": str(settings.keys_dir), "TUOPIN_TRUST_DIR": str(settings.trust_dir)},
    )
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["reentry_id"] == f"reentry/{HH}/1" and record["kind"] == "return"
    assert record["evidence_sha256"] == digest and record["previous_case_id"] == previous
    assert record["official_id"] == VS and record["status"] == "poor"
    with sv_store.session() as s:
        row = s.get(Household, HH)
        assert (row.status, row.exited_year, row.exited_case_id) == ("poor", None, None)
        saved = s.scalars(select(Reentry).where(Reentry.household_id == HH)).one()
        assert (saved.reason, saved.evidence_sha256, saved.role, saved.key_id) == (
            "因病返贫", digest, "village_secretary", record["key_id"])
    assert _statuses(sv_store, HH)[-1] == (f"reentry/{HH}/1", "exited", "poor")
    # the 2017 exit was real: it still counts for 2017
    assert _tally(sv_store, 2017) == persons_2017
    # once recorded, it cannot be recorded again
    with pytest.raises(Refused, match="not exited"):
        supervision.reenter(settings, HH, "因病返贫", evidence_file, VS)

    # later it exits again, for 2019 (a new case: one case per unit and year)
    persons_2019 = _tally(sv_store, 2019)
    sv_driver.working_year(2019)
    await exit_household(sv_driver, HH, 2019)
    with sv_store.session() as s:
        row = s.get(Household, HH)
        assert (row.status, row.exited_year, row.exited_case_id) == ("exited", 2019, f"household-exit/{HH}/2019")
    assert [c[2] for c in _statuses(sv_store, HH)] == ["exited", "poor", "exited"]
    assert _tally(sv_store, 2019) == persons_2019 + 3 and _tally(sv_store, 2017) == persons_2017
    # the old signed return is bound to the 2017 exit: replayed now, it does not verify
    old_return = ReentryCommand(household_id=HH, kind="return", reason="因病返贫", evidence_sha256=digest,
                                previous_case_id=previous, official_id=VS)
    saved_signature = supervision.signed_as(settings, official, None, old_return.subject_id, "reentry",
                                            old_return).signature
    with pytest.raises(SignatureRefused):
        reentries.record_return(sv_store, HH, "因病返贫", digest, VS, saved_signature, saved_signature.signed_at,
                                trust_root=supervision.pinned_root(settings))
    listing = {r["household_id"]: r for r in registry.households_supervised(
        sv_store, supervision.supervision_policy(settings).buffer, supervision.today_local(), village_id=VILLAGE)}
    assert listing[HH]["reentries"] == 1 and listing[HH]["false_exit"] is False


def test_a_newly_poor_household_is_enrolled(sv_store, sv_keys: Path, evidence_file: Path) -> None:
    new_id = f"{VILLAGE}-n001"
    args = [new_id, "--village", VILLAGE, "--members", "4", "--head-name", "新增户主", "--income", "2018=2500",
            "--lacking", "safe_housing", "--reason", "房屋倒塌致贫", "--evidence", str(evidence_file),
            "--registry-url", str(sv_store.engine.url)]
    env = {"TUOPIN_KEYS_DIR": str(sv_keys), "TUOPIN_TRUST_DIR": str(small_registry.trust_dir(sv_keys))}
    refused = CliRunner().invoke(enroll, [*args, "--as", WT], env=env)
    assert refused.exit_code == 1 and "village two committees" in refused.output
    result = CliRunner().invoke(enroll, [*args, "--as", VD], env=env)
    assert result.exit_code == 0, result.output
    assert "新增户主" not in result.output  # personal data stays in the registry
    assert result.output.startswith(f"enroll/{new_id}: {new_id} enrolled as newly poor (新增)")
    with sv_store.session() as s:
        h = s.get(Household, new_id)
        assert (h.status, h.members, h.safe_housing, h.food_and_clothing) == ("poor", 4, False, True)
        assert s.get(HouseholdIncome, (new_id, 2018)).per_capita_income == 2500
        assert s.get(OfficialPost, f"{new_id}-head").role == "household_head"
        row = s.scalars(select(Reentry).where(Reentry.household_id == new_id)).one()
        assert (row.kind, row.official_id) == ("new", VD)
        assert row.evidence_sha256 == hashlib.sha256(evidence_file.read_bytes()).hexdigest()
        assert s.scalars(select(StatusChange.to_status).where(StatusChange.unit_id == new_id)).all() == ["poor"]
    again = CliRunner().invoke(enroll, [*args, "--as", VD], env=env)
    assert again.exit_code == 1 and "already" in again.output
