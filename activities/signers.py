"""A stage's officials with the revocations of their keys, as the case asks for them: whole, or "unchanged" when the
digest the case holds is still right (so a case's history holds its officials once, not once a stage)."""

import hashlib

from activities.models import RosterInput, Signers
from activities.registry.keys import signers_of
from activities.registry.store import RegistryStore
from domain.officials import Roster


def read_signers(store: RegistryStore, inp: RosterInput, trust_root: str) -> Signers:
    roster, revocations = signers_of(store, inp.jurisdiction_ids)
    signers = Signers(roster=roster, revocations=revocations, trust_root=trust_root)
    digest = hashlib.sha256(signers.model_dump_json().encode()).hexdigest()
    if digest == inp.known:
        return Signers(roster=Roster(), trust_root=trust_root, digest=digest, unchanged=True)
    return signers.model_copy(update={"digest": digest})
