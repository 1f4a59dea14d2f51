"""三(二)1 "提出拟退出村名单" / 三(二)2 "拟退出村名单在乡镇和所在村内公示": a township's villages on one list
through the CLI, on a dev server with a `tuopin worker`: opened all or nothing, countersigned once by
the other township leader, its notice posted once for the township (one signature over the list) and
by each village for its own village."""

import time
from datetime import datetime, timezone

from activities.registry.store import RegistryStore
from activities.registry.unit_queries import village_case_data
from domain.criteria.evaluate import evaluate_case
from workers.policy_loader import load_policy
from workers.settings import PROJECT_ROOT

MEETING = "乡镇党政班子会议〔2017〕12号"


def _eligible_poor_villages(cli) -> dict[str, list[str]]:
    """Township -> its 贫困村 that meet the 2017 criteria, judged straight from the registry."""
    store = RegistryStore.from_url(f"sqlite:///{cli.env['TUOPIN_HOME']}/registry.db")
    policy = load_policy(PROJECT_ROOT / "data")
    found: dict[str, list[str]] = {}
    for row in store.list_villages():
        if not row["poor_village"] or row["poor_status"] != "poor":
            continue
        facts, _ = village_case_data(store, row["village_id"], "poor", 2017)
        if evaluate_case("village", facts.model_dump(mode="json"), 2017, policy).met:
            found.setdefault(row["township_id"], []).append(row["village_id"])
    return found


def _open(cli, township: str, villages: list[str]):
    return cli.run(
        "open", "list", "village", township, "--year", "2017", "--designation", "poor", "--as", f"{township}-secretary",
        "--villages", ",".join(villages), "--meeting", MEETING, "--surveyed-on", "2017-10-09",
        "--departments", "镇扶贫办、县农业局", "--infrastructure", "道路硬化到组", "--public-services", "卫生室达标",
        "--industry", "茶叶", "--collective-economy", "光伏收益",
    )


def _until(cli, list_id: str, predicate, tries: int = 60) -> dict:
    for _ in range(tries):
        doc = cli.json("show", list_id)
        if predicate(doc):
            return doc
        time.sleep(0.2)
    raise AssertionError(f"never held; last: {doc['members']}")


def test_a_village_list_is_surveyed_countersigned_and_posted_once_for_the_township(cli):
    eligible = _eligible_poor_villages(cli)
    township = next(t for t, vs in sorted(eligible.items()) if len(vs) >= 2)
    villages = eligible[township][:2]
    stranger = next(v for t, vs in sorted(eligible.items()) if t != township for v in vs)

    refused = _open(cli, township, [*villages, stranger])
    assert refused.returncode == 1 and f"{stranger}: not in {township}" in refused.stderr, refused.stderr
    assert all(cli.run("show", f"village-exit/{v}/poor/2017").returncode == 1 for v in [*villages, stranger])

    opened = _open(cli, township, villages)
    assert opened.returncode == 0, opened.stderr
    list_id = opened.stdout.strip()
    assert list_id.startswith(f"village-list/{township}/2017/")
    members = [f"village-exit/{v}/poor/2017" for v in villages]
    shown = cli.json("show", list_id)
    assert (shown["exit_type"], shown["stage"]) == ("village", "survey")
    assert [m["case_id"] for m in shown["members"]] == members
    assert shown["awaiting"] == [{"who": f"township_head@{township}", "members": 2}]

    # 四.3 党政主要领导签字确认: the township head countersigns the list's survey once
    signed = cli.json("sign-list", list_id, "--stage", "survey", "--as", f"{township}-head", "--meeting", MEETING)
    assert sorted(signed["accepted"]) == members and signed["refused"] == {}
    _until(cli, list_id, lambda d: all(m["stage"] == "notice" for m in d["members"]) and d["notice"])

    # the township posts the list's one notice once; each village posts it in its own village
    at = datetime.now(timezone.utc).replace(second=0, microsecond=0).isoformat()
    posted = cli.json("notice", "posted", list_id, "--as", f"{township}-secretary", "--at", at, "--place", "乡镇政府公示栏")
    assert sorted(posted["accepted"]) == members and posted["refused"] == {}
    for village, member in zip(villages, members):
        posted = cli.json("notice", "posted", list_id, "--as", f"{village}-secretary", "--at", at, "--place", "村委会公示栏")
        assert posted["accepted"] == [member]  # the other village's posting is not this village's to record
        assert all("WrongJurisdiction" in r or village in r for r in posted["refused"].values())
    shown = _until(cli, list_id, lambda d: d["notice"] and all(m["posted"] for m in d["notice"]["members"]))
    assert [m["case_id"] for m in shown["notice"]["members"]] == members
    printed = cli.run("notice", "print", list_id)
    assert printed.returncode == 0 and "拟退出村名单公示" in printed.stdout and "该村" in printed.stdout
    case = cli.json("show", members[0])
    postings = [d for d in case["decisions"] if d["outcome"] == "posted"]
    assert len(postings) == 2 and all(d["signature"]["case_id"] == list_id for d in postings)
