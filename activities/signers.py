"""A stage's officials with their keys, as the case asks for them: whole, or "unchanged" when the
digest the case holds is still right (so a case's history holds its officials once, not once a stage)."""

import hashlib

from activities.models import RosterInput, Signers
from activities.registry.keys import signers_of
from activities.registry.store import RegistryStore
from domain.officials import Roster


def read_signers(store: RegistryStore, inp: RosterInput) -> Signers:
    roster, keys = signers_of(store, inp.jurisdiction_ids)
    signers = Signers(roster=roster, keys=keys)
    digest = hashlib.sha256(signers.model_dump_json().encode()).hexdigest()
    if digest == inp.known:
        return Signers(roster=Roster(), digest=digest, unchanged=True)
    return signers.model_copy(update={"digest": digest})
