"""公示: posting a window, lodging objections while it is open, and resolving them."""

import hashlib
import re
import unicodedata
from datetime import datetime, timedelta

from domain.case import CaseState, NoticeScope, NoticeWindow, Objection
from domain.messages import ObjectionCommand, ResolutionCommand
from domain.notice_posting import awaiting_posting
from domain.officials import Official, Roster
from domain.procedures import Procedure, Stage
from domain.refusals import AlreadyObjected, NoticeNotOpen, UnknownObjection, WrongJurisdiction, WrongRole
from domain.signoff_rules import check_case_open, find_official, reject


def open_window(case: CaseState, stage: Stage, now: datetime) -> NoticeWindow:
    assert case.notice_rule is not None and case.unit_path is not None
    window = NoticeWindow(
        window_no=len(case.notices) + 1,
        stage=stage.id,
        opened_at=now,
        closes_at=(
            now + timedelta(seconds=case.simulation.notice_seconds) if case.simulation else case.notice_rule.closes_at(now)
        ),
        scopes=[
            NoticeScope(level=level.value, jurisdiction_id=case.unit_path.jurisdiction(level))
            for level in stage.notice_scopes
        ],
    )
    case.notices.append(window)
    return window


def close_window(case: CaseState, outcome: str, now: datetime) -> NoticeWindow:
    window = case.current_notice()
    assert window is not None
    window.closed_at = now
    window.outcome = outcome  # type: ignore[assignment]
    return window


def objector_digest(case: CaseState, cmd: ObjectionCommand) -> str:
    """Who objects, recognisably and without the contact: a digest of the normalized name and contact
    (NFKC, case-folded, without spaces and separators), bound to this case and to the pass of the
    notice stage the case is in, so the same objector counts once per notice."""
    def norm(text: str) -> str:
        return re.sub(r"[\s\-()（）.·]+", "", unicodedata.normalize("NFKC", text)).casefold()

    stage_pass = case.stage_pass.get(case.stage, 0)
    material = "\x1f".join([case.case_id, case.stage, str(stage_pass), norm(cmd.name), norm(cmd.contact)])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def check_objection(case: CaseState, cmd: ObjectionCommand, now: datetime) -> NoticeWindow:
    check_case_open(case)
    window = case.current_notice()
    if window is None:
        if awaiting_posting(case):  # (checked first: a notice issued again after a return follows a closed one)
            raise NoticeNotOpen(
                f"the public notice of case {case.case_id} has not been posted yet; objections are taken "
                "from its posting for its 7 days"
            )
        last = case.notices[-1] if case.notices else None
        if last is not None and last.closed_at is not None and case.stage == last.stage:
            raise NoticeNotOpen(f"the public notice closed at {last.closed_at.isoformat()}; objections are no longer taken")
        if last is not None:
            raise NoticeNotOpen(
                f"the public notice closed at {last.closed_at.isoformat() if last.closed_at else '?'}; "
                f"the case is now at {case.stage!r} and takes no objections"
            )
        raise NoticeNotOpen(f"no public notice is open for case {case.case_id} (stage {case.stage!r})")
    # While an objection is being investigated the close is suspended and others may still object.
    if now >= window.closes_at and not case.open_objections():
        raise NoticeNotOpen(f"the public notice closed at {window.closes_at.isoformat()}; objections are no longer taken")
    if objector_digest(case, cmd) in case.objector_digests:
        raise AlreadyObjected(
            "this objector (same name and contact) has objected already during this notice; "
            "one objector's objection reopens a notice once"
        )
    return window


def lodge_objection(case: CaseState, cmd: ObjectionCommand, now: datetime, contact_ref: str) -> Objection:
    """Records the objection with the reference its contact is stored under in the registry."""
    window = check_objection(case, cmd, now)
    objection = Objection(
        objection_id=f"O{len(case.objections) + 1}",
        window_no=window.window_no,
        name=cmd.name,
        reason=cmd.reason,
        contact_ref=contact_ref,
        lodged_at=now,
    )
    case.objections.append(objection)
    case.objector_digests.append(objector_digest(case, cmd))
    return objection


def check_resolution(
    case: CaseState, procedure: Procedure, roster: Roster, cmd: ResolutionCommand
) -> tuple[Objection, Official]:
    check_case_open(case)
    objection = next((o for o in case.objections if o.objection_id == cmd.objection_id), None)
    if objection is None:
        known = ", ".join(o.objection_id for o in case.objections) or "none"
        raise UnknownObjection(f"case {case.case_id} has no objection {cmd.objection_id!r} (objections: {known})")
    if objection.status != "open":
        raise UnknownObjection(f"objection {cmd.objection_id} was already {objection.status} by {objection.resolved_by}")
    official = find_official(case, roster, cmd.official_id)
    stage = procedure.stage(case.stage)
    if official.role not in stage.resolver_roles:
        raise WrongRole(
            f"{official.official_id} acts as {official.role.value}; objections to this notice are resolved by "
            f"{', '.join(r.value for r in stage.resolver_roles)}"
        )
    assert case.unit_path is not None and stage.resolver_level is not None
    needed = case.unit_path.jurisdiction(stage.resolver_level)
    if official.jurisdiction_id != needed:
        raise WrongJurisdiction(
            f"{official.official_id} is {official.role.value} of {official.jurisdiction_id}; "
            f"this objection is resolved in {needed}"
        )
    return objection, official


def apply_resolution(
    case: CaseState, procedure: Procedure, roster: Roster, cmd: ResolutionCommand, now: datetime
) -> Objection:
    objection, official = check_resolution(case, procedure, roster, cmd)
    objection.status = "upheld" if cmd.outcome == "uphold" else "dismissed"
    objection.resolved_by = official.official_id
    objection.resolver_role = official.role.value
    objection.resolver_person_id = official.person_id
    objection.resolver_jurisdiction_id = official.jurisdiction_id
    objection.resolved_at = now
    objection.finding = cmd.finding
    objection.resolution_signature = cmd.signature
    if objection.status == "upheld":
        reject(case, f"objection {objection.objection_id} upheld by {official.official_id}: {cmd.finding}", now)
    return objection
