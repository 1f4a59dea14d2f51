"""The officials a case's current stage may hear from, with their registered keys.

A stage reads them once, when it begins (a notice's first posting and its passing close read them
in the same registry visit as the notice itself); the handlers then verify signatures without a
registry read each. The registry answers "unchanged" when the case already holds the same officials
(by digest), so a case's history carries its officials once, not once a stage. A key the stage has
not seen (registered mid-stage) is read when first used.
"""

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.models import RosterInput, SignerKeysInput, Signers
    from activities.registry_activities import RegistryActivities
    from domain.officials import Roster
    from domain.signature_rules import KeyInfo
    from domain.units import UnitPath
    from workflows.registry_steps import registry_step


class StageOfficials:
    def __init__(self) -> None:
        self.roster = Roster()
        self.keys: dict[str, list[KeyInfo]] = {}
        self.digest: str | None = None
        self.read_at: datetime | None = None

    def wanted(self, unit_path: UnitPath) -> RosterInput:
        """What to ask the registry for: the officials of every jurisdiction above the unit."""
        return RosterInput(jurisdiction_ids=unit_path.jurisdiction_ids(), known=self.digest)

    def accept(self, signers: Signers) -> None:
        """Takes what the registry answered (which may be "unchanged")."""
        self.read_at = workflow.now()
        if not signers.unchanged:
            self.roster, self.digest = signers.roster, signers.digest
            self.keys = {}
            for key in signers.keys:
                self.keys.setdefault(key.official_id, []).append(key)

    async def read(self, unit_path: UnitPath) -> None:
        """Reads them as a stage begins; not again within the same workflow task (a stage that begins
        the moment the last one ended)."""
        if self.read_at != workflow.now():
            self.accept(await registry_step(RegistryActivities.load_signers, self.wanted(unit_path)))

    async def keys_of(self, official_id: str, key_id: str | None) -> list[KeyInfo]:
        """The official's keys as the stage read them; read fresh for a key the stage has not seen."""
        known = self.keys.get(official_id, [])
        if any(k.key_id == key_id for k in known):
            return known
        fresh = await registry_step(RegistryActivities.signer_keys, SignerKeysInput(official_id=official_id))
        return fresh.keys

    def revoke(self, key: KeyInfo) -> None:
        """A key revoked mid-stage is refused from the moment the case hears of it."""
        if key.official_id in self.keys and key.revoked_at is not None:
            self.keys[key.official_id] = [key if k.key_id == key.key_id else k for k in self.keys[key.official_id]]
