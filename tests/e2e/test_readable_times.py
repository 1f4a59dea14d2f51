"""What people read from `list`, `inbox` and `show` is in one time zone, Qingliu's, with its offset,
and lists read as lists; `--json` keeps ISO 8601 and JSON arrays."""

import re
from datetime import datetime

from starters import render
from tests.e2e.test_cli_household import VILLAGE, _households, _open

LOCAL = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d\+08:00")


def test_list_inbox_and_show_speak_shanghai_time(cli):
    good, _ = _households(cli)
    opened = _open(cli, good[-1])
    assert opened.returncode == 0, opened.stderr
    case = opened.stdout.strip()

    listed = cli.run("list", "--type", "household")
    assert listed.returncode == 0 and case in listed.stdout
    row = next(line for line in listed.stdout.splitlines() if case in line)
    assert "[" not in row and "'" not in row and f"work_team@{VILLAGE}" in row and ", " in row

    inbox = cli.run("inbox", "--as", f"{VILLAGE}-workteam")
    assert inbox.returncode == 0, inbox.stderr
    row = next(line for line in inbox.stdout.splitlines() if case in line)
    assert LOCAL.search(row), row
    assert not re.search(r"\d\d:\d\d:\d\d\.\d+", inbox.stdout)  # no UTC with microseconds

    shown = cli.run("show", case)
    decision = next(line for line in shown.stdout.splitlines() if line.strip().startswith("#1 "))
    assert LOCAL.search(decision), decision

    for machine in (cli.json("list", "--type", "household"), cli.json("inbox", "--as", f"{VILLAGE}-workteam")):
        row = next(r for r in machine if r["case_id"] == case)
        stamp = row.get("started_at") or row.get("waiting_since")
        assert datetime.fromisoformat(stamp).tzinfo is not None and "T" in stamp
    assert isinstance(next(r for r in cli.json("list") if r["case_id"] == case)["awaiting"], list)


def test_table_cells_for_people():
    assert render.cell("2017-03-01T16:00:00+00:00") == "2017-03-02 00:00+08:00"
    assert render.cell("2026-12-04T01:02:03.456789Z") == "2026-12-04 09:02+08:00"
    assert render.cell(["a@x", "b@y"]) == "a@x, b@y" and render.cell([]) == "-"
    assert render.cell("2017-03-01") == "2017-03-01" and render.cell("household-exit/h/2017") == "household-exit/h/2017"
    assert render.cell(None) == ""
