"""公示 posted: when and where each place's notice was physically put up, recorded (signed) by an official
of that place. The notice's 7 days run from the posting (the last one, where a notice is posted in two
places), not from when the system issued it; the notice stage waits until every place has posted.

A dismissed objection starts a new full window at once: the notice is still up where it was posted
(tuopin's reading; docs/policy-trace.md), so the postings of the stage's pass carry over.
"""

from datetime import datetime

from domain.case import CaseState, DecisionRecord
from domain.messages import PostingCommand, signer_fields
from domain.notice_content import PostingPlace
from domain.officials import Official, Roster
from domain.procedures import Procedure, Stage
from domain.refusals import AlreadySigned, InvalidRecord, NoticeNotOpen, WrongJurisdiction, WrongRole, WrongStage
from domain.roles import Level, Role
from domain.signoff_rules import check_case_open, find_official

# Who records a posting at each level a notice is posted at: the place's own officials.
POSTING_ROLES: dict[Level, tuple[Role, ...]] = {
    Level.village: (Role.village_secretary, Role.village_director),
    Level.township: (Role.township_secretary, Role.township_head),
    Level.county: (Role.county_group,),
    Level.city: (Role.city_group,),
}


def postings(case: CaseState) -> list[PostingPlace]:
    """The postings recorded in the current pass of the notice stage the case is at (none elsewhere)."""
    current = case.stage_pass.get(case.stage, 0)
    return [
        PostingPlace(level=d.record["level"], jurisdiction_id=d.record["jurisdiction_id"], place=d.record["place"],
                     posted_at=datetime.fromisoformat(d.record["posted_at"]))
        for d in case.decisions
        if d.outcome == "posted" and d.stage == case.stage and d.stage_pass == current and d.record
    ]


def unposted(case: CaseState, stage: Stage) -> list[tuple[Level, str]]:
    """(level, jurisdiction) of each place the notice still awaits its posting in."""
    assert case.unit_path is not None
    done = {(p.level, p.jurisdiction_id) for p in postings(case)}
    return [(level, case.unit_path.jurisdiction(level)) for level in stage.notice_scopes
            if (level.value, case.unit_path.jurisdiction(level)) not in done]


def notice_issued(case: CaseState) -> bool:
    """The notice of this pass of the stage is issued (its text can be printed and posted)."""
    return case.notice_issued_at is not None and case.notice_issued_pass == case.pass_id


def awaiting_posting(case: CaseState) -> bool:
    """The notice of this pass is issued and no window of it has opened yet: it is not up anywhere
    (a window of this pass opens at or after its issue; earlier passes' windows closed before it)."""
    if not notice_issued(case) or case.current_notice() is not None:
        return False
    assert case.notice_issued_at is not None
    return not any(w.stage == case.stage and w.opened_at >= case.notice_issued_at for w in case.notices)


def posted_from(case: CaseState) -> datetime | None:
    """When the notice is up everywhere it is posted: the last posting, once every place has one. A
    posting recorded to the minute of the issue (09:00 for a notice issued at 09:00:35) counts from
    the issue: the notice cannot have been up before it existed."""
    places = postings(case)
    if not places:
        return None
    last = max(p.posted_at for p in places)
    return max(last, case.notice_issued_at) if case.notice_issued_at is not None else last


def _to_the_minute(at: datetime) -> datetime:
    """Postings are recorded to the minute (the CLI's example: 2017-05-02T09:00+08:00)."""
    return at.replace(second=0, microsecond=0)


def check_posting(
    case: CaseState, procedure: Procedure, roster: Roster, cmd: PostingCommand, now: datetime
) -> tuple[Official, Level, str]:
    check_case_open(case)
    stage = procedure.stage(case.stage)
    if stage.kind != "notice":
        raise WrongStage(f"the case is at stage {case.stage!r}; a posting is recorded at its public notice")
    if not notice_issued(case):
        raise NoticeNotOpen("the notice is being issued; try again in a moment")
    official = find_official(case, roster, cmd.official_id)
    places = {level: jurisdiction for level, jurisdiction in unposted(case, stage)}
    posting_levels = [level for level in stage.notice_scopes if official.role in POSTING_ROLES.get(level, ())]
    if not posting_levels:
        wanted = sorted({r.value for level in stage.notice_scopes for r in POSTING_ROLES.get(level, ())})
        raise WrongRole(f"{official.official_id} acts as {official.role.value}; this notice's posting is recorded by "
                        f"{', '.join(wanted)}")
    level = posting_levels[0]
    assert case.unit_path is not None
    where = case.unit_path.jurisdiction(level)
    if official.jurisdiction_id != where:
        raise WrongJurisdiction(f"{official.official_id} is {official.role.value} of {official.jurisdiction_id}; "
                                f"this notice is posted in {where}")
    if level not in places:
        done = next(p for p in postings(case) if p.level == level.value)
        raise AlreadySigned(f"the notice's posting in {where} was recorded already ({done.place}, "
                            f"{done.posted_at.isoformat()})")
    if cmd.posted_at > now:
        raise InvalidRecord(f"the posting time {cmd.posted_at.isoformat()} is in the future (now {now.isoformat()})")
    assert case.notice_issued_at is not None
    if cmd.posted_at < _to_the_minute(case.notice_issued_at):
        raise InvalidRecord(f"the posting time {cmd.posted_at.isoformat()} is before the notice was issued "
                            f"({case.notice_issued_at.isoformat()})")
    return official, level, where


def apply_posting(
    case: CaseState, procedure: Procedure, roster: Roster, cmd: PostingCommand, now: datetime
) -> DecisionRecord:
    official, level, where = check_posting(case, procedure, roster, cmd, now)
    decision = DecisionRecord(
        seq=case.next_seq(), stage=case.stage, stage_pass=case.stage_pass.get(case.stage, 0),
        slot=f"posting/{level.value}", outcome="posted", at=now, note=cmd.place,
        record={"level": level.value, "jurisdiction_id": where, "place": cmd.place,
                "posted_at": cmd.posted_at.isoformat()},
        signature=cmd.signature, **signer_fields(official),
    )
    case.decisions.append(decision)
    return decision
