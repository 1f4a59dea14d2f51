"""The click commands' own checks and the registry listings (no Temporal server needed)."""

import json

from click.testing import CliRunner

from starters.supervision_commands import buffer, spotcheck, supervision
from tests.supervision.conftest import VILLAGE


def test_usage_errors_exit_2_before_anything_is_contacted() -> None:
    runner = CliRunner()
    bad_id = runner.invoke(spotcheck, ["show", "household-exit/h/2017", "--address", "127.0.0.1:1"])
    assert bad_id.exit_code == 2 and "not a spot-check id" in bad_id.output
    zero = runner.invoke(spotcheck, ["start", "--year", "2017", "--percent", "0", "--as", "qingliu-group"])
    assert zero.exit_code == 2
    verdict = runner.invoke(spotcheck, ["finding", "spot-check/qingliu/2017/1", "h", "maybe", "--as", "x", "--note", "n"])
    assert verdict.exit_code == 2


def test_the_listings_show_the_buffer_period(sv_store) -> None:
    url = ["--registry-url", str(sv_store.engine.url)]
    result = CliRunner().invoke(supervision, ["--village", VILLAGE, "--today", "2018-01-01", "--json", *url])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows and {"household_id", "status", "in_buffer", "false_exit", "false_exit_check_id", "reentries"} <= set(rows[0])
    assert "head_name" not in rows[0] and "SYN-ID" not in result.stdout  # no personal data
    units = CliRunner().invoke(buffer, ["--today", "2018-01-01", "--json", *url])
    assert units.exit_code == 0, units.output
    assert all(u["support_until"] == "2020-12-31" for u in json.loads(units.stdout))
    text = CliRunner().invoke(buffer, ["--today", "2018-01-01", *url])
    assert text.exit_code == 0 and ("in_buffer" in text.stdout or text.stdout.strip() == "(none)")
