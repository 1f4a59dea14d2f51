"""三(一)2 核实认可: 得到拟退出贫困户认可 — a household that does not accept its exit says so, signed, with
its reason (`tuopin consent CASE --as HEAD --refuse --note REASON`); the case goes back to the 民主评议
with that reason in its decisions, `show --json` and its dossier."""

from datetime import date

from domain.dossier import verify_dossier
from starters.dossier_commands import export_dossier
from tests.support.driver import VD, VS, WT, refused
from workers.trust import read_root

REASON = "家中老人长期患病，收入不稳定，不认可退出"


async def test_a_refused_consent_returns_the_case_to_the_appraisal_with_its_reason(driver, household):
    await driver.open(household)
    await driver.decide("verification", VD)
    await driver.decide("verification", WT)
    # attack: the village secretary answers in the household's name
    assert "WrongRole" in await refused(driver.consent(VS, refuse=True, note=REASON))
    await driver.consent(f"{household}-head", refuse=True, note=REASON)
    back = await driver.until(lambda s: s.stage == "appraisal")
    refusal = back.decisions[-1]
    assert (refusal.outcome, refusal.note, refusal.to_stage, refusal.role) == ("refuse", REASON, "appraisal", "household_head")
    assert back.stage_pass["appraisal"] == 2 and back.status == "open" and not back.notices
    assert back.model_dump(mode="json")["decisions"][-1]["note"] == REASON  # what `show --json` prints
    assert {a.role for a in back.awaiting} == {"village_secretary", "village_director"}
    # the dossier keeps the refusal, signed by the household head, and verifies
    doc = await export_dossier(driver.client, driver.store, driver.case_id)
    assert verify_dossier(doc, read_root(driver.settings.trust_dir)) == []
    assert any(e["kind"] == "decision" and e["data"]["outcome"] == "refuse" and e["data"]["note"] == REASON
               for e in doc["entries"])
    # the appraisal meets again; this time the household accepts and the notice follows
    await driver.decide("appraisal", VD, meeting_ref="长校河排村民主评议〔2017〕2号",
                        record={"held_on": date(2017, 1, 20).isoformat(), "attendance": 31, "result": "复议同意拟退出"})
    await driver.until(lambda s: s.stage == "verification")
    state = await driver.verify(household)
    assert state.stage == "notice"
