"""`tuopin notice print` / `notice posted`: bad input is a usage error (exit 2) that reaches no server."""

import pytest
from click.testing import CliRunner

from starters.cli import cli

CASE = "household-exit/changxiao-hepai-h001/2017"
OFFLINE = ["--address", "127.0.0.1:1"]


@pytest.mark.parametrize("argv", [
    ["notice", "print", "--out", "x.html"],  # neither a case nor a place
    ["notice", "print", CASE, "--village", "changxiao-hepai", "--out", "x.html"],  # two at once
    ["notice", "print", "--township", "x' OR CaseStatus = 'open", "--out", "x.html"],  # into the visibility query
    ["notice", "posted", CASE, "--as", "changxiao-hepai-secretary", "--at", "yesterday", "--place", "公示栏"],
    ["notice", "posted", CASE, "--as", "changxiao-hepai-secretary", "--at", "2017-05-02T09:00", "--place", "公示栏"],
    ["notice", "posted", CASE, "--as", "changxiao-hepai-secretary", "--at", "2017-05-02T09:00+08:00", "--place", " "],
], ids=["nothing", "two", "injection", "not-a-time", "no-offset", "blank-place"])
def test_bad_notice_commands_are_usage_errors(argv, tmp_path):
    result = CliRunner().invoke(cli, [*argv, *OFFLINE])
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "x.html").exists()


def test_the_notice_commands_are_documented():
    result = CliRunner().invoke(cli, ["notice", "print", "--help"])
    assert result.exit_code == 0 and "--village" in result.output and "--township" in result.output
    result = CliRunner().invoke(cli, ["notice", "posted", "--help"])
    assert result.exit_code == 0 and "--place" in result.output and "--at" in result.output
