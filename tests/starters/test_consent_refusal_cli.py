"""`tuopin consent CASE --as HEAD --refuse --note REASON`: a refusal without its reason is a usage
error (exit 2) that reaches no server."""

import pytest
from click.testing import CliRunner

from starters.cli import cli

CASE = "household-exit/changxiao-hepai-h001/2017"


@pytest.mark.parametrize("note", [[], ["--note", " "]])
def test_a_refusal_without_a_reason_is_refused_before_anything_is_sent(note):
    result = CliRunner().invoke(cli, ["consent", CASE, "--as", "changxiao-hepai-h001-head", "--refuse", *note,
                                      "--address", "127.0.0.1:1"])
    assert result.exit_code == 2, result.output
    assert "reason" in result.output or "'--note': cannot be blank" in result.output, result.output


def test_the_refusal_is_documented_in_the_help():
    result = CliRunner().invoke(cli, ["consent", "--help"])
    assert result.exit_code == 0 and "--refuse" in result.output and "不认可" in result.output
