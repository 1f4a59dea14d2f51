"""`tuopin` as officials run it, against a dev server and a `tuopin worker` process."""

import json
import re
import time
from datetime import datetime, timedelta, timezone

from activities.registry.store import RegistryStore
from domain.criteria.household import evaluate_household
from workers.policy_loader import load_policy
from workers.settings import PROJECT_ROOT

VILLAGE = "changxiao-shaping"


def _households(cli, year: int = 2017, village: str = VILLAGE) -> tuple[list[str], list[str]]:
    """Eligible and ineligible demo households of one village, judged straight from the registry."""
    store = RegistryStore.from_url(f"sqlite:///{cli.env['TUOPIN_HOME']}/registry.db")
    policy = load_policy(PROJECT_ROOT / "data")
    good, bad = [], []
    for row in store.list_households(village_id=village):
        facts, _ = store.household_case_data(row["household_id"])
        report = evaluate_household(facts, year, policy.poverty_lines, policy.stability)
        (good if report.met else bad).append(row["household_id"])
    return good, bad


def _open(cli, household: str, official: str = f"{VILLAGE}-secretary", *extra: str, village: str = VILLAGE):
    return cli.run(
        "open", "household", household, "--year", "2017", "--as", official, "--meeting", "沙坪村民主评议〔2017〕2号" if village == VILLAGE else "河排村民主评议〔2017〕1号",
        "--meeting-date", "2017-03-01", "--attendance", "42", "--result", "一致同意拟退出", *extra,
    )


def test_a_case_reaches_its_notice_window_through_the_cli(cli, tmp_path):
    good, _ = _households(cli)
    household = good[0]
    opened = _open(cli, household)
    assert opened.returncode == 0, opened.stderr
    case = opened.stdout.strip()
    assert case == f"household-exit/{household}/2017"

    shown = cli.json("show", case)
    assert {"case_id", "exit_type", "unit_id", "year", "status", "stage", "awaiting", "notice", "decisions"} <= set(shown)
    assert (shown["exit_type"], shown["unit_id"], shown["year"], shown["status"], shown["stage"]) == (
        "household", household, 2017, "open", "verification",
    )
    assert {(a["role"], a["jurisdiction"]) for a in shown["awaiting"]} == {
        ("village_secretary", VILLAGE), ("village_director", VILLAGE), ("work_team", VILLAGE),
    }
    assert shown["notice"] is None

    assert cli.run("decide", case, "approve", "--stage", "verification", "--as", f"{VILLAGE}-director").returncode == 0
    assert cli.run("decide", case, "approve", "--stage", "verification", "--as", f"{VILLAGE}-workteam").returncode == 0
    consent = cli.run("consent", case, "--as", f"{household}-head", "--json")
    assert consent.returncode == 0, consent.stderr
    assert json.loads(consent.stdout)["ack"]["seq"] == 4

    # the notice is issued and waits for the village to record its posting: no window, no objection yet
    shown = _eventually(cli, case, lambda doc: doc["stage"] == "notice" and doc["awaiting"])
    assert {(a["role"], a["jurisdiction"]) for a in shown["awaiting"]} == {
        ("village_secretary", VILLAGE), ("village_director", VILLAGE),
    }
    assert shown["notice"] is None
    early = cli.run("object", case, "--name", "村民丙", "--contact", "13700001111", "--reason", "有务工收入未计入")
    assert early.returncode == 1 and "not been posted" in early.stderr, early.stderr
    printed = cli.run("notice", "print", case, "--out", str(tmp_path / "notice.html"))
    assert printed.returncode == 0, printed.stderr
    assert "公示" in (tmp_path / "notice.html").read_text(encoding="utf-8")
    posted_at = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=1)
    time.sleep(1.2)  # (the posting cannot be in the future by the case's clock)
    posted = cli.run("notice", "posted", case, "--as", f"{VILLAGE}-secretary", "--at", posted_at.isoformat(),
                     "--place", "村委会公示栏")
    assert posted.returncode == 0, posted.stderr

    shown = cli.json("show", case)
    assert shown["stage"] == "notice" and shown["awaiting"] == []
    notice = shown["notice"]
    assert notice["objections"] == [] and notice["closes_at"] > notice["opened_at"]
    assert datetime.fromisoformat(notice["opened_at"]) == posted_at  # the 7 days run from the posting

    objection = cli.run("object", case, "--name", "村民丙", "--contact", "13700001111", "--reason", "有务工收入未计入")
    assert objection.returncode == 0, objection.stderr
    assert objection.stdout.strip() == "O1"
    shown = cli.json("show", case)
    assert [o["objection_id"] for o in shown["notice"]["objections"]] == ["O1"]
    assert "13700001111" not in json.dumps(shown)
    assert {(a["role"]) for a in shown["awaiting"]} == {"village_secretary", "village_director"}

    text = cli.run("show", case)
    assert text.returncode == 0 and "notice #1" in text.stdout and "objection O1" in text.stdout

    listed = cli.json("list", "--type", "household", "--township", "changxiao", "--status", "open")
    assert case in [row["case_id"] for row in listed]


def test_refused_commands_exit_1_and_change_nothing(cli):
    good, bad = _households(cli)
    household = good[1]
    case = _open(cli, household).stdout.strip()
    before = cli.json("show", case)

    refusals = {
        "wrong stage": ("decide", case, "approve", "--stage", "township_review", "--as", "changxiao-secretary", "--meeting", "M"),
        "wrong role": ("decide", case, "approve", "--stage", "verification", "--as", "changxiao-head"),
        "other village": ("decide", case, "approve", "--stage", "verification", "--as", "changxiao-hepai-workteam"),
        "consent too early": ("consent", case, "--as", f"{household}-head"),
        "no notice open": ("object", case, "--name", "甲", "--contact", "x", "--reason", "y"),
        "unknown objection": ("resolve", case, "O7", "dismiss", "--as", f"{VILLAGE}-secretary", "--finding", "z"),
        "return forward": ("decide", case, "return", "--stage", "verification", "--as", f"{VILLAGE}-director",
                           "--to", "county_approval", "--note", "n"),
    }
    for why, args in refusals.items():
        proc = cli.run(*args)
        assert proc.returncode == 1, f"{why}: exit {proc.returncode}, {proc.stderr}"
        assert proc.stderr.strip(), f"{why}: no reason given"
    assert cli.json("show", case) == before

    duplicate = _open(cli, household)
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    ineligible = _open(cli, bad[0]) if bad else None
    if ineligible is not None:
        assert ineligible.returncode == 1 and "criteria" in ineligible.stderr
    as_json = cli.run("decide", case, "approve", "--stage", "township_review", "--as", "changxiao-secretary", "--meeting", "M", "--json")
    assert as_json.returncode == 1 and json.loads(as_json.stdout)["error"] == "WrongStage"


def test_a_key_revoked_mid_stage_is_refused_by_the_open_case_at_once(cli):
    village = "changxiao-hepai"
    good, _ = _households(cli, village=village)
    case = _open(cli, good[0], f"{village}-secretary", village=village).stdout.strip()
    assert case.startswith("household-exit/"), case
    team = f"{village}-workteam"
    (key,) = [k for k in cli.json("officials", "keys", "--as", team) if k["revoked_at"] is None]
    revoked = cli.json("officials", "revoke", key["key_id"], "--by", "县扶贫办管理员", "--reason", "手机遗失")
    assert revoked["statement"]["key_id"] == key["key_id"] and revoked["open_cases_told"] >= 1
    refused = cli.run("decide", case, "approve", "--stage", "verification", "--as", team)
    assert refused.returncode == 1 and "revoked" in refused.stderr, refused.stderr
    shown = cli.json("show", case)
    assert [d for d in shown["decisions"] if d["official_id"] == team] == []
    assert key["key_id"] in shown["revoked_keys"]  # (the refusal itself is logged by the worker, not kept)
    # telling the cases again is harmless
    assert cli.json("officials", "revoke", key["key_id"], "--by", "县扶贫办管理员", "--reason", "手机遗失")["open_cases_told"] >= 1


def test_usage_errors_exit_2_and_unreachable_server_exits_3(cli):
    assert cli.run("decide", "household-exit/x/2017", "maybe", "--stage", "verification", "--as", "a").returncode == 2
    assert cli.run("decide", "household-exit/x/2017", "reject", "--stage", "verification", "--as", "a").returncode == 2  # no reason
    assert cli.run("list", "--status", "sleeping").returncode == 2
    assert cli.run("open", "household", "h", "--year", "2017").returncode == 2
    unreachable = cli.run("show", "household-exit/x/2017", "--address", "127.0.0.1:1")
    assert unreachable.returncode == 3 and "cannot reach" in unreachable.stderr
    missing = cli.run("show", "household-exit/no-such/2017")
    assert missing.returncode == 1 and "no case" in missing.stderr


def test_registry_listings(cli):
    townships = cli.json("registry", "townships")
    assert len(townships) == 13
    officials = cli.json("registry", "officials", "--jurisdiction", "changxiao")
    assert {o["role"] for o in officials} == {"township_secretary", "township_head"}
    households = cli.json("registry", "households", "--village", VILLAGE)
    assert households and all(not re.search(r"\d{15,}", json.dumps(h)) for h in households)


def _eventually(cli, case, predicate, tries: int = 50):
    for _ in range(tries):
        doc = cli.json("show", case)
        if predicate(doc):
            return doc
        time.sleep(0.2)
    raise AssertionError(f"never held; last: {doc['stage']} {doc['awaiting']}")
