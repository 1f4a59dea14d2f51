"""三(一)2 并在村内公示不少于7天无异议: the 7 days run from when the notice was put up, which the village
records to the minute (`tuopin notice posted --at 2017-05-12T10:00+08:00`). A posting in the minute the
notice was issued is that posting, and counts from the issue; one before that minute is refused."""

from datetime import timedelta

import pytest

from domain.messages import ConsentCommand, PostingCommand
from domain.notice_posting import apply_posting, check_posting, posted_from
from domain.procedures import HOUSEHOLD
from domain.refusals import InvalidRecord
from domain.signoff_rules import apply_consent, enter_stage

from .conftest import HEAD, NOW, approve, build_roster, new_case

PLACE = "河排村村委会公示栏"
ISSUED = NOW + timedelta(seconds=35)  # 10:00:35


def _issued():
    case, roster = new_case(), build_roster()
    enter_stage(case, "verification")
    approve(case, roster, "verification", "hepai-director")
    approve(case, roster, "verification", "hepai-work-team")
    apply_consent(case, HOUSEHOLD, roster, ConsentCommand(official_id=HEAD), NOW)
    enter_stage(case, "notice")
    case.notice_issued_at, case.notice_issued_pass = ISSUED, case.pass_id
    return case, roster


def test_a_posting_recorded_to_the_minute_of_the_issue_counts_from_the_issue():
    case, roster = _issued()
    cmd = PostingCommand(official_id="hepai-secretary", posted_at=NOW, place=PLACE)  # 10:00, issued 10:00:35
    apply_posting(case, HOUSEHOLD, roster, cmd, ISSUED + timedelta(minutes=5))
    assert posted_from(case) == ISSUED  # never before the notice existed


def test_a_later_posting_counts_from_its_own_time():
    case, roster = _issued()
    at = ISSUED + timedelta(hours=2)
    apply_posting(case, HOUSEHOLD, roster, PostingCommand(official_id="hepai-secretary", posted_at=at, place=PLACE),
                  at + timedelta(minutes=1))
    assert posted_from(case) == at


def test_a_posting_in_a_minute_before_the_issue_is_refused_and_changes_nothing():
    case, roster = _issued()
    before = case.model_dump(mode="json")
    early = PostingCommand(official_id="hepai-secretary", posted_at=NOW - timedelta(seconds=1), place=PLACE)
    with pytest.raises(InvalidRecord, match="before the notice was issued"):
        check_posting(case, HOUSEHOLD, roster, early, ISSUED + timedelta(minutes=5))
    assert case.model_dump(mode="json") == before
