"""Activities that post and close notices (公示); announcements (公告) and filings (备案) are written
with the exit itself (RegistryActivities.record_exit)."""

import uuid

from temporalio import activity

from activities.models import CloseNoticeInput, IssueNoticeInput, NoticeIssued, ObjectionContactInput, PostNoticeInput, Signers
from activities.registry.notice_queries import notice_particulars
from activities.registry.store import RegistryStore
from activities.signers import read_signers
from domain.poverty_line import PovertyLineTable


class NoticeActivities:
    def __init__(self, store: RegistryStore, trust_root: str, poverty_lines: PovertyLineTable | None = None) -> None:
        self.store = store
        self.trust_root = trust_root
        self.poverty_lines = poverty_lines  # the lines a household's notice shows its income against

    @activity.defn
    def issue_notice(self, inp: IssueNoticeInput) -> NoticeIssued:
        """The registry's part of a notice (names, village group, household size, 监督电话, the poverty
        lines of its income years) and, if asked, the officials of the stage the notice begins."""
        particulars = notice_particulars(self.store, inp.exit_type, inp.unit_id, inp.unit_path)
        if self.poverty_lines is not None and inp.income_years:
            lines = {y: line.yuan for y in inp.income_years if (line := self.poverty_lines.for_year(y)) is not None}
            particulars = particulars.model_copy(update={"poverty_lines": lines})
        activity.logger.info("notice_issued", extra={"case_id": inp.case_id})
        signers = read_signers(self.store, inp.signers, self.trust_root) if inp.signers is not None else None
        return NoticeIssued(particulars=particulars, signers=signers)

    @activity.defn
    def post_notice(self, inp: PostNoticeInput) -> Signers | None:
        """Posts (once) and, if asked, reads the officials of the stage the notice begins."""
        self.store.post_notice(
            inp.case_id, inp.window_no, inp.scope_level, inp.jurisdiction_id, inp.opened_at, inp.closes_at, inp.body
        )
        activity.logger.info("notice_posted", extra={"case_id": inp.case_id, "window_no": inp.window_no})
        return read_signers(self.store, inp.signers, self.trust_root) if inp.signers is not None else None

    @activity.defn
    def close_notice(self, inp: CloseNoticeInput) -> Signers | None:
        """Closes (once) and, if asked, reads the officials of the stage that follows."""
        self.store.close_notice(inp.case_id, inp.window_no, inp.closed_at, inp.outcome)
        return read_signers(self.store, inp.next_signers, self.trust_root) if inp.next_signers is not None else None

    @activity.defn
    def store_objection_contact(self, inp: ObjectionContactInput) -> str:
        """Keeps an objector's contact in the registry under a fresh random reference, which it returns:
        the case holds only the reference, never the contact."""
        ref = uuid.uuid4().hex
        self.store.store_objection_contact(ref, inp.case_id, inp.contact, inp.at)
        activity.logger.info("objection_contact_stored", extra={"case_id": inp.case_id})
        return ref

    @activity.defn
    def forget_objection_contact(self, contact_ref: str) -> None:
        """Removes a contact stored for an objection the case did not take after all."""
        self.store.forget_objection_contact(contact_ref)
