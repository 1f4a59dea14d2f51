"""The Web UI check as tests (`make ui-check`; `.ci/run` runs it after `make test`). Not collected by
`make test`: it needs Debian's Chromium, which `.ci/run` installs when missing. The screenshots stay
under each test's tmp folder (pytest keeps the last runs; `.ci/run` sets --basetemp to its artifacts)."""

from tests.manual.web_ui_check import check_demo_case, check_serve_case


def test_a_case_opened_on_serve_reads_in_the_web_ui(tmp_path):
    checks = check_serve_case(tmp_path)
    assert all(checks.values()), checks
    assert (tmp_path / "serve-case.png").stat().st_size > 10_000


def test_a_demo_case_reads_exited_in_the_web_ui(tmp_path):
    checks = check_demo_case(tmp_path)
    assert all(checks.values()), checks
    assert (tmp_path / "demo-case.png").stat().st_size > 10_000
