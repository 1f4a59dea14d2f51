"""The officials a case's current stage may hear from, and the revocations of their keys.

A stage reads them once, when it begins (a notice's first posting and its passing close read them
in the same registry visit as the notice itself). The registry answers "unchanged" when the case
already holds the same officials (by digest), so a case's history carries them once, not once a
stage. A signed message brings its own key certificate, checked against the root the case pinned
when it opened; revocations count only when the root signed them, and a revocation once seen stays.
"""

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.models import RosterInput, Signers
    from activities.registry_activities import RegistryActivities
    from domain.officials import Roster
    from domain.refusals import Refusal
    from domain.signature_rules import SignatureLedger, accept_revocation
    from domain.units import UnitPath
    from workflows.registry_steps import registry_step


class StageOfficials:
    def __init__(self, ledger: SignatureLedger) -> None:
        self.ledger = ledger
        self.roster = Roster()
        self.digest: str | None = None
        self.read_at: datetime | None = None

    def wanted(self, unit_path: UnitPath) -> RosterInput:
        """What to ask the registry for: the officials of every jurisdiction above the unit."""
        return RosterInput(jurisdiction_ids=unit_path.jurisdiction_ids(), known=self.digest)

    def accept(self, signers: Signers) -> None:
        """Takes what the registry answered (which may be "unchanged")."""
        self.read_at = workflow.now()
        if self.ledger.trust_root is None:
            self.ledger.trust_root = signers.trust_root
        elif signers.trust_root != self.ledger.trust_root:
            workflow.logger.warning("trust_root_differs", extra={"kept": self.ledger.trust_root[:12]})
        if signers.unchanged:
            return
        self.roster, self.digest = signers.roster, signers.digest
        for revocation in signers.revocations:
            try:
                accept_revocation(self.ledger, revocation)
            except Refusal as exc:
                workflow.logger.warning("revocation_ignored", extra={"key_id": revocation.key_id, "reason": str(exc)})

    async def read(self, unit_path: UnitPath) -> None:
        """Reads them as a stage begins; not again within the same workflow task (a stage that begins
        the moment the last one ended)."""
        if self.read_at != workflow.now():
            self.accept(await registry_step(RegistryActivities.load_signers, self.wanted(unit_path)))
