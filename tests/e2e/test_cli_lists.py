"""`tuopin` lists (名单) as officials run them, against a dev server and a `tuopin worker` process:
open a village's households as one list, sign it once per post, one member rejected by --except,
the list's show, listing and its one printed notice; bad input refused with nothing changed."""

from datetime import datetime, timezone

from tests.e2e.test_cli_household import VILLAGE, _households


def test_a_list_is_opened_signed_once_per_post_and_shown_through_the_cli(cli):
    good, bad = _households(cli)
    homes = good[:3]
    # all or nothing: one ineligible household refuses the whole list, and no case is opened
    assert bad, "the demo village has an ineligible household"
    refused = cli.run(
        "open", "list", "household", VILLAGE, "--year", "2017", "--as", f"{VILLAGE}-secretary",
        "--households", ",".join([*homes, bad[0]]), "--meeting", "沙坪村民主评议〔2017〕2号", "--meeting-date",
        "2017-03-01", "--attendance", "42", "--result", "一致同意拟退出",
    )
    assert refused.returncode == 1 and f"{bad[0]}: exit criteria not met" in refused.stderr
    assert "no case was opened" in refused.stderr and homes[0] + ":" not in refused.stderr
    assert all(cli.run("show", f"household-exit/{h}/2017").returncode == 1 for h in [*homes, bad[0]])
    assert cli.json("list", "--lists") == []
    for members in (["--households", homes[0], "--planned"], []):  # exactly one of --households and --planned
        usage = cli.run("open", "list", "household", VILLAGE, "--year", "2017", "--as", f"{VILLAGE}-secretary",
                        *members, "--meeting", "M", "--meeting-date", "2017-03-01", "--attendance", "42", "--result", "R")
        assert usage.returncode == 2 and "exactly one of --households" in usage.stderr
    opened = cli.run(
        "open", "list", "household", VILLAGE, "--year", "2017", "--as", f"{VILLAGE}-secretary",
        "--households", ",".join(homes), "--meeting", "沙坪村民主评议〔2017〕2号", "--meeting-date", "2017-03-01",
        "--attendance", "42", "--result", "一致同意拟退出",
    )
    assert opened.returncode == 0, opened.stderr
    list_id = opened.stdout.strip()
    assert list_id.startswith(f"household-list/{VILLAGE}/2017/")

    shown = cli.json("show", list_id)
    assert {"list_id", "exit_type", "unit_id", "year", "stage", "status", "awaiting", "notice", "members"} <= set(shown)
    assert (shown["list_id"], shown["exit_type"], shown["unit_id"], shown["year"], shown["stage"], shown["status"]) == (
        list_id, "household", VILLAGE, 2017, "verification", "open")
    assert [m["case_id"] for m in shown["members"]] == [f"household-exit/{h}/2017" for h in homes]
    assert all((m["stage"], m["status"]) == ("verification", "open") for m in shown["members"])
    assert shown["notice"] is None
    assert [r["list_id"] for r in cli.json("list", "--lists")] == [list_id]

    # the inbox shows the list once, in place of its members at the list's stage awaiting this post
    inbox = cli.json("inbox", "--as", f"{VILLAGE}-director")
    row = next(r for r in inbox if r["case_id"] == list_id)
    assert row["stage"] == "verification" and row["members"] == [f"household-exit/{h}/2017" for h in homes]
    assert not any(r["case_id"] in row["members"] for r in inbox)

    rejected = f"household-exit/{homes[2]}/2017"
    # bad input: refused before anything is signed or sent
    assert cli.run("sign-list", list_id, "--stage", "verification", "--as", f"{VILLAGE}-director",
                   "--except", f"{rejected}=maybe:?").returncode == 2
    assert cli.run("sign-list", list_id, "--stage", "verification", "--as", f"{VILLAGE}-director",
                   "--except", f"household-exit/{bad[0] if bad else 'nobody'}/2017=reject:不在名单").returncode == 2
    assert cli.run("sign-list", list_id, "--stage", "township_review", "--as", f"{VILLAGE}-director").returncode == 1
    assert cli.json("show", rejected)["decisions"][-1]["stage"] == "appraisal"

    signed = cli.json("sign-list", list_id, "--stage", "verification", "--as", f"{VILLAGE}-director",
                      "--except", f"{rejected}=reject:家庭人均纯收入核实未达标")
    assert len(signed["accepted"]) == 3 and signed["refused"] == {}
    assert cli.json("show", rejected)["status"] == "rejected"
    signed = cli.json("sign-list", list_id, "--stage", "verification", "--as", f"{VILLAGE}-workteam")
    assert len(signed["accepted"]) == 2
    for h in homes[:2]:
        assert cli.run("consent", f"household-exit/{h}/2017", "--as", f"{h}-head").returncode == 0

    assert any(r["case_id"] == list_id for r in cli.json("inbox", "--as", f"{VILLAGE}-secretary"))  # its posting
    printed = cli.run("notice", "print", list_id)
    assert printed.returncode == 0, printed.stderr
    assert "名单公示" in printed.stdout and all(h in printed.stdout for h in homes[:2]) and homes[2] not in printed.stdout
    assert "SYN-" not in printed.stdout  # ids and dates only
    shown = cli.json("show", list_id)
    assert shown["stage"] == "notice" and len(shown["notice"]["members"]) == 2

    # the village records the list's one posting once; each member verifies it and its window opens
    at = datetime.now(timezone.utc).replace(second=0, microsecond=0).isoformat()
    assert cli.run("notice", "posted", list_id, "--as", f"{VILLAGE}-workteam", "--at", at,
                   "--place", "村委会公示栏").returncode == 1  # not the place's official: every member refuses
    posted = cli.json("notice", "posted", list_id, "--as", f"{VILLAGE}-secretary", "--at", at, "--place", "村委会公示栏")
    assert len(posted["accepted"]) == 2 and posted["refused"] == {}
    again = cli.run("notice", "posted", list_id, "--as", f"{VILLAGE}-secretary", "--at", at, "--place", "村委会公示栏")
    assert again.returncode == 1  # recorded once: no member awaits its posting any more
    printed = cli.run("notice", "print", list_id)
    assert printed.returncode == 0 and printed.stdout.count("公示期：") == 2 and "自张贴之日起" not in printed.stdout
    assert all(m["posted"] for m in cli.json("show", list_id)["notice"]["members"])

    assert cli.run("show", "household-list/nowhere/2017/000000000000").returncode == 1
