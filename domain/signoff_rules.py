"""Who may sign what, when: the rules of 层层审核把关 and 签字确认, as pure functions over a case.

`check_*` only reads and raises a Refusal; `apply_*` checks again and then changes the case, so an
update validator and its handler share one source of truth.
"""

import difflib
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from domain.case import CaseState, DecisionRecord
from domain.county import TIME_ZONE
from domain.messages import ConsentCommand, DecisionCommand, signer_fields
from domain.officials import Official, Roster
from domain.procedures import Procedure, Slot, Stage
from domain.records import RECORD_MODELS, IndicatorFindings
from domain.refusals import (
    AlreadySigned,
    BadReturn,
    CaseNotOpen,
    InvalidRecord,
    MeetingRequired,
    OutOfOrder,
    SamePerson,
    UnknownOfficial,
    WrongJurisdiction,
    WrongRole,
    WrongStage,
)
from domain.roles import ROLE_LEVEL, Role


def check_case_open(case: CaseState) -> None:
    if case.status != "open":
        raise CaseNotOpen(f"case {case.case_id} is closed ({case.status}); nothing more can be decided")
    if not case.ready:
        raise CaseNotOpen(f"case {case.case_id} is still opening; try again in a moment")
    if case.pending_return:
        raise CaseNotOpen(f"case {case.case_id} has just been returned to {case.pending_return!r}; try again")


def find_official(case: CaseState, roster: Roster, official_id: str) -> Official:
    official = roster.find(official_id)
    if official is None:
        chain = ", ".join(case.unit_path.jurisdiction_ids()) if case.unit_path else "?"
        close = difflib.get_close_matches(official_id, sorted(o.official_id for o in roster.officials), n=3, cutoff=0.75)
        raise UnknownOfficial(
            f"unknown official {official_id} for this case: no post in its jurisdictions ({chain})"
            + (f"; did you mean {' or '.join(close)}?" if close else "")
            + " Officials act only in their own role and jurisdiction"
        )
    return official


def _signoff_stage(case: CaseState, procedure: Procedure, stage_id: str) -> Stage:
    if stage_id not in procedure.stage_ids():
        raise WrongStage(
            f"{stage_id!r} is not a stage of a {procedure.exit_type} exit "
            f"(stages: {', '.join(procedure.stage_ids())})"
        )
    if stage_id != case.stage:
        raise WrongStage(f"the case is at stage {case.stage!r}, not {stage_id!r}")
    stage = procedure.stage(stage_id)
    if stage.kind != "signoff":
        raise WrongStage(
            f"stage {stage_id!r} is the public notice: it closes by its timer, and objections are "
            "resolved with `tuopin resolve`"
        )
    return stage


def current_phase(case: CaseState, stage: Stage) -> int | None:
    for index, phase in enumerate(stage.phases):
        if any(slot.key not in case.filled for slot in phase):
            return index
    return None


def _slot_for(case: CaseState, stage: Stage, official: Official, kind: str) -> tuple[int, Slot]:
    """The open slot of the current phase this official may fill, or a refusal saying why not."""
    phase_no = current_phase(case, stage)
    if phase_no is None:
        given = ", ".join(slot.key for slot in stage.slots())
        raise AlreadySigned(f"every signature of stage {stage.id!r} ({given}) has been given; the case is moving on")
    holders = [
        (index, slot)
        for index, phase in enumerate(stage.phases)
        for slot in phase
        if official.role in slot.roles
    ]
    if not holders:
        wanted = sorted({role.value for slot in stage.slots() for role in slot.roles})
        raise WrongRole(
            f"{official.official_id} acts as {official.role.value}; stage {stage.id!r} is signed by "
            f"{', '.join(wanted)}"
        )
    for index, slot in holders:
        if slot.kind != kind:
            continue
        if slot.key in case.filled:
            signer = case.decisions[case.filled[slot.key] - 1]
            raise AlreadySigned(
                f"the {slot.key} signature of stage {stage.id!r} was already given by "
                f"{signer.official_id} at {signer.at.isoformat()}"
            )
        if index > phase_no:
            missing = [s.key for s in stage.phases[phase_no] if s.key not in case.filled]
            raise OutOfOrder(f"{slot.key} comes after {', '.join(missing)} in stage {stage.id!r}")
        return index, slot
    verb = "consent with `tuopin consent`" if kind == "sign" else "sign with `tuopin decide`"
    raise WrongRole(f"{official.role.value} does not {kind} at stage {stage.id!r}; {verb}")


def _check_jurisdiction(case: CaseState, official: Official, slot_levels: set) -> None:
    assert case.unit_path is not None
    allowed = {case.unit_path.jurisdiction(level) for level in slot_levels}
    if official.jurisdiction_id not in allowed:
        raise WrongJurisdiction(
            f"{official.official_id} is {official.role.value} of {official.jurisdiction_id}; "
            f"this case needs {' or '.join(sorted(allowed))}"
        )


def _check_person(case: CaseState, stage: Stage, official: Official) -> None:
    stage_pass = case.stage_pass.get(stage.id, 0)
    for earlier in case.decisions:
        if earlier.person_id != official.person_id:
            continue
        same_step = earlier.stage == stage.id and earlier.stage_pass == stage_pass
        if same_step and earlier.outcome in ("approve", "consent"):
            raise SamePerson(
                f"{official.name} ({official.person_id}) already signed stage {stage.id!r} as "
                f"{earlier.role}; its two signatures must come from two different people"
            )
        if ROLE_LEVEL[Role(earlier.role)] != official.level:
            raise SamePerson(
                f"{official.name} ({official.person_id}) signed this case at the {ROLE_LEVEL[Role(earlier.role)].value} "
                f"level as {earlier.role}; nobody signs one case at two levels"
            )


def _check_meeting(case: CaseState, stage: Stage, phase_no: int, slot: Slot, meeting_ref: str | None) -> None:
    if not slot.needs_meeting:
        return
    if not meeting_ref:
        raise MeetingRequired(
            f"the {slot.key} signature of stage {stage.id!r} follows a collective decision (集体研究): "
            "give the meeting's minutes reference (--meeting)"
        )
    recorded = case.meeting_refs.get(f"{stage.id}/{phase_no}")
    if recorded is not None and recorded != meeting_ref:
        raise MeetingRequired(
            f"this decision of stage {stage.id!r} was taken at meeting {recorded!r}; "
            f"{meeting_ref!r} is a different meeting"
        )


def _recorded_by(case: CaseState, stage: Stage, slot: Slot) -> DecisionRecord | None:
    """The signature of this pass of the stage that recorded the slot's data already, if any."""
    for other in stage.slots():
        if other.key != slot.key and other.record == slot.record and other.key in case.filled:
            return case.decisions[case.filled[other.key] - 1]
    return None


def _check_record(case: CaseState, stage: Stage, slot: Slot, record: dict | None, now: datetime) -> dict | None:
    if slot.record is None:
        if record:
            raise InvalidRecord(f"the {slot.key} signature records no stage data")
        return None
    earlier = _recorded_by(case, stage, slot)
    if earlier is not None:
        if record:
            raise InvalidRecord(
                f"the {slot.record} of stage {stage.id!r} was recorded by {earlier.official_id} (decision "
                f"{earlier.seq}); the {slot.key} signature signs that record and gives none of its own"
            )
        return None
    if not record:
        raise InvalidRecord(f"the {slot.key} signature must record its {slot.record} data")
    try:
        parsed = RECORD_MODELS[slot.record].model_validate(record)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InvalidRecord(f"the {slot.record} record is not valid: {problems}") from None
    if isinstance(parsed, IndicatorFindings):
        _check_findings(case, parsed)
    held_on = getattr(parsed, "held_on", None)
    zone = ZoneInfo(case.notice_rule.timezone) if case.notice_rule else TIME_ZONE
    today = now.astimezone(zone).date()
    if held_on is not None and held_on > today:
        raise InvalidRecord(f"the meeting cannot be held in the future ({held_on}; today is {today} locally)")
    return parsed.model_dump(mode="json")


def _check_findings(case: CaseState, record: IndicatorFindings) -> None:
    expected = set(case.facts.get("service_indicators", {}))
    given = set(record.findings)
    if given != expected:
        missing, unknown = sorted(expected - given), sorted(given - expected)
        raise InvalidRecord(
            "a finding is needed on each public-service indicator of the case"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; not an indicator of this case: {', '.join(unknown)}" if unknown else "")
        )
    far = sorted(name for name, finding in record.findings.items() if not finding.close)
    if far:
        raise InvalidRecord(
            f"indicators found not close to the average ({', '.join(far)}): the unit does not meet the "
            "criteria; return or reject the case instead of approving it"
        )


def check_decision(
    case: CaseState, procedure: Procedure, roster: Roster, cmd: DecisionCommand, now: datetime
) -> tuple[Official, int | None, Slot | None, dict | None]:
    check_case_open(case)
    stage = _signoff_stage(case, procedure, cmd.stage)
    official = find_official(case, roster, cmd.official_id)
    if official.role.value == "household_head":
        raise WrongRole("the household acknowledges its exit with `tuopin consent`, not `decide`")
    if cmd.outcome == "approve":
        phase_no, slot = _slot_for(case, stage, official, "sign")
        _check_jurisdiction(case, official, {slot.level})
        _check_person(case, stage, official)
        _check_meeting(case, stage, phase_no, slot, cmd.meeting_ref)
        return official, phase_no, slot, _check_record(case, stage, slot, cmd.record, now)
    # return / reject: any official who may sign this stage may send it back or end it, on the same
    # collective decision (集体研究, a meeting's minutes) an approval of theirs would need there.
    own = [slot for slot in stage.slots() if official.role in slot.roles]
    levels = {slot.level for slot in own}
    if not levels:
        wanted = sorted({role.value for slot in stage.slots() for role in slot.roles})
        raise WrongRole(
            f"{official.official_id} acts as {official.role.value}; only {', '.join(wanted)} may "
            f"{cmd.outcome} at stage {stage.id!r}"
        )
    _check_jurisdiction(case, official, levels)
    if any(slot.needs_meeting for slot in own) and not cmd.meeting_ref:
        raise MeetingRequired(
            f"a {cmd.outcome} at stage {stage.id!r} is decided collectively (集体研究) as an approval there is: "
            "give the meeting's minutes reference (--meeting)"
        )
    if cmd.record:
        raise InvalidRecord(f"a {cmd.outcome} records no stage data")
    if cmd.outcome == "return":
        stage_ids = procedure.stage_ids()
        if cmd.to_stage not in stage_ids or stage_ids.index(cmd.to_stage) >= stage_ids.index(stage.id):
            earlier = stage_ids[: stage_ids.index(stage.id)]
            raise BadReturn(
                f"a case at {stage.id!r} can return only to an earlier stage "
                f"({', '.join(earlier) if earlier else 'there is none'}), not {cmd.to_stage!r}"
            )
    return official, None, None, None


def apply_decision(
    case: CaseState, procedure: Procedure, roster: Roster, cmd: DecisionCommand, now: datetime
) -> DecisionRecord:
    official, phase_no, slot, record = check_decision(case, procedure, roster, cmd, now)
    decision = DecisionRecord(
        seq=case.next_seq(),
        stage=cmd.stage,
        stage_pass=case.stage_pass.get(cmd.stage, 0),
        slot=slot.key if slot else None,
        outcome=cmd.outcome,
        at=now,
        meeting_ref=cmd.meeting_ref,
        note=cmd.note,
        to_stage=cmd.to_stage,
        record=record,
        signature=cmd.signature,
        **signer_fields(official),
    )
    case.decisions.append(decision)
    if cmd.outcome == "approve":
        assert slot is not None
        case.filled[slot.key] = decision.seq
        if slot.needs_meeting and cmd.meeting_ref:
            case.meeting_refs.setdefault(f"{cmd.stage}/{phase_no}", cmd.meeting_ref)
    elif cmd.outcome == "return":
        assert cmd.to_stage is not None
        supersede_from(case, procedure, cmd.to_stage)
        case.pending_return = cmd.to_stage
    else:
        reject(case, f"rejected at {cmd.stage} by {official.official_id}: {cmd.note}", now)
    return decision


def check_consent(case: CaseState, procedure: Procedure, roster: Roster, cmd: ConsentCommand) -> tuple[Official, Slot]:
    check_case_open(case)
    official = find_official(case, roster, cmd.official_id)
    consent_stages = [s.id for s in procedure.stages for slot in s.slots() if slot.kind == "consent"]
    if not consent_stages:
        raise WrongStage(f"a {procedure.exit_type} exit takes no consent")
    if case.stage not in consent_stages:
        raise WrongStage(f"the case is at stage {case.stage!r}; consent is given at {consent_stages[0]!r}")
    stage = procedure.stage(case.stage)
    _, slot = _slot_for(case, stage, official, "consent")
    _check_jurisdiction(case, official, {slot.level})
    _check_person(case, stage, official)
    return official, slot


def apply_consent(
    case: CaseState, procedure: Procedure, roster: Roster, cmd: ConsentCommand, now: datetime
) -> DecisionRecord:
    """Records the household's answer. A refusal (不认可) sends the case back to the procedure's first
    stage, the appraisal (民主评议), with the household's reason: 得到拟退出贫困户认可 is a condition of
    going on, and the appraisal is where the village weighs the household again."""
    official, slot = check_consent(case, procedure, roster, cmd)
    back_to = procedure.stages[0].id if cmd.refuse else None
    decision = DecisionRecord(
        seq=case.next_seq(),
        stage=case.stage,
        stage_pass=case.stage_pass.get(case.stage, 0),
        slot=None if cmd.refuse else slot.key,
        outcome="refuse" if cmd.refuse else "consent",
        at=now,
        note=cmd.note,
        to_stage=back_to,
        signature=cmd.signature,
        **signer_fields(official),
    )
    case.decisions.append(decision)
    if back_to is None:
        case.filled[slot.key] = decision.seq
    else:
        supersede_from(case, procedure, back_to)
        case.pending_return = back_to
    return decision


def supersede_from(case: CaseState, procedure: Procedure, stage_id: str) -> None:
    """A return re-runs the target stage and every later one: their signatures no longer count."""
    later = set(procedure.stage_ids()[procedure.index(stage_id):])
    for decision in case.decisions:
        if decision.stage in later and decision.outcome in ("approve", "consent"):
            decision.superseded = True


def reject(case: CaseState, reason: str, now: datetime) -> None:
    case.status = "rejected"
    case.outcome_reason = reason
    case.closed_at = now


def enter_stage(case: CaseState, stage_id: str, pass_id: str | None = None) -> None:
    """Begins a pass of the stage: its signatures so far are superseded, and signatures for it must
    name `pass_id` (the workflow issues a fresh value, so none can be made for a pass beforehand;
    pure callers get "<stage>#<pass number>")."""
    case.stage = stage_id
    case.stage_pass[stage_id] = case.stage_pass.get(stage_id, 0) + 1
    case.pass_id = pass_id or f"{stage_id}#{case.stage_pass[stage_id]}"
    case.filled = {}
    case.meeting_refs = {k: v for k, v in case.meeting_refs.items() if not k.startswith(f"{stage_id}/")}
    case.pending_return = None


def stage_complete(case: CaseState, stage: Stage) -> bool:
    return all(slot.key in case.filled for slot in stage.slots())
