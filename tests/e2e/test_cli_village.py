"""A village exit through the CLI, to its public notice, on a dev server with a `tuopin worker`."""

import json
from datetime import datetime, timezone

VILLAGE = "changxiao-hepai"  # 河排: a 2017 贫困村 of the plan


def test_a_village_case_through_the_cli_to_its_notice(cli):
    villages = {v["village_id"]: v for v in cli.json("registry", "villages", "--township", "changxiao", "--year", "2017")}
    assert villages[VILLAGE]["poor_village"] is True
    assert float(villages[VILLAGE]["incidence_pct"]) < 2
    opened = cli.run(
        "open", "village", VILLAGE, "--year", "2017", "--designation", "poor", "--as", "changxiao-secretary",
        "--meeting", "长校镇党政班子会议〔2017〕11号", "--surveyed-on", "2017-10-09",
        "--departments", "镇扶贫办、镇财政所，县农业局", "--infrastructure", "道路硬化到组", "--public-services", "卫生室达标",
        "--industry", "茶叶", "--collective-economy", "光伏收益",
    )
    assert opened.returncode == 0, opened.stderr
    case = opened.stdout.strip()
    assert case == f"village-exit/{VILLAGE}/poor/2017"

    # 四.3 由党政主要领导签字确认: the survey waits for the township head's signature too, on the same meeting
    shown = cli.json("show", case)
    assert (shown["stage"], [(a["role"], a["jurisdiction"]) for a in shown["awaiting"]]) == (
        "survey", [("township_head", "changxiao")])
    alone = cli.run("decide", case, "approve", "--stage", "survey", "--as", "changxiao-head")
    assert alone.returncode == 1 and "meeting" in alone.stderr, alone.stderr
    signed = cli.run("decide", case, "approve", "--stage", "survey", "--as", "changxiao-head",
                     "--meeting", "长校镇党政班子会议〔2017〕11号")
    assert signed.returncode == 0, signed.stderr

    # the notice is posted in the township and in the village, each recording its own posting
    shown = _eventually(cli, case, lambda doc: doc["stage"] == "notice" and doc["awaiting"])
    assert {a["jurisdiction"] for a in shown["awaiting"]} == {"changxiao", VILLAGE} and shown["notice"] is None
    for official, place in (("changxiao-secretary", "长校镇政府公示栏"), (f"{VILLAGE}-secretary", "河排村村委会公示栏")):
        at = datetime.now(timezone.utc).isoformat()
        posted = cli.run("notice", "posted", case, "--as", official, "--at", at, "--place", place)
        assert posted.returncode == 0, posted.stderr
    shown = cli.json("show", case)
    assert (shown["exit_type"], shown["designation"], shown["stage"], shown["status"]) == ("village", "poor", "notice", "open")
    notice = shown["notice"]
    assert {(s["level"], s["jurisdiction_id"]) for s in notice["scopes"]} == {("township", "changxiao"), ("village", VILLAGE)}
    assert shown["decisions"][0]["record"]["departments"] == ["镇扶贫办", "镇财政所", "县农业局"]
    assert shown["criteria"]["checks"][1]["name"] == "incidence" and shown["criteria"]["checks"][1]["met"]

    objection = cli.run("object", case, "--name", "村民丁", "--contact", "13600002222", "--reason", "集体收入含一次性补助")
    assert objection.returncode == 0, objection.stderr
    wrong = cli.run("resolve", case, "O1", "dismiss", "--as", f"{VILLAGE}-secretary", "--finding", "x")
    assert wrong.returncode == 1 and "township_secretary" in wrong.stderr
    resolved = cli.run("resolve", case, "O1", "dismiss", "--as", "changxiao-head", "--finding", "经核实为经常性收入", "--json")
    assert resolved.returncode == 0, resolved.stderr
    assert json.loads(resolved.stdout)["case"]["objections"][0]["status"] == "dismissed"
    assert "13600002222" not in resolved.stdout
    after = _eventually(cli, case, lambda doc: doc["notice"]["window_no"] == 2 and doc["notice"]["closed_at"] is None)
    assert after["notices"][0]["outcome"] == "objected" and after["stage"] == "notice"

    # the designation is part of the case: the same village's hollow exit is another case
    hollow = cli.run(
        "open", "village", VILLAGE, "--year", "2017", "--designation", "hollow", "--as", "changxiao-secretary",
        "--meeting", "M", "--surveyed-on", "2017-10-09", "--departments", "镇扶贫办", "--infrastructure", "a",
        "--public-services", "b", "--industry", "c", "--collective-economy", "d",
    )
    assert hollow.returncode == 1 and "空壳村" in hollow.stderr  # 河排 is not registered as a hollow village


def _eventually(cli, case, predicate, tries: int = 50):
    import time

    for _ in range(tries):
        doc = cli.json("show", case)
        if predicate(doc):
            return doc
        time.sleep(0.2)
    raise AssertionError(f"never held; last: {doc['notice']}")
