"""动态管理 (清委办〔2017〕25号 二.1): 新增贫困人口和返贫人口要及时纳入扶贫范围 — the signed registration of a
newly poor household's data (登记: `tuopin registry register`), and the signed returns recorded before
enrolment had a procedure.

Nobody enrols a household here. Enrolment — of a newly poor household (新增) or of one returned to
poverty (返贫) — is a case of its own (domain/enrollment.py: 民主评议, notice, township review, county
approval). What the village two committees (村两委: village_secretary or village_director of the
household's village) do alone is to register a newly poor household's data as a candidate (status
'candidate', not poor), signed (Ed25519, like decisions) over the household, its data, the reason and
the SHA-256 of the evidence file; a signature counts once. The kind ``return`` stays for the rows and
signatures of returns recorded before (their ids ``reentry/<household>/<n>``); none is recorded now.

Pure: ids, who may sign, and what the signature covers (ReentryCommand).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.officials import Official
from domain.refusals import Refusal, WrongJurisdiction, WrongRole
from domain.roles import Role
from domain.signing import SignedMessage, SignedTerms

ReentryKind = Literal["return", "new"]
RECORDER_ROLES = (Role.village_secretary, Role.village_director)
STAGE = "reentry"
# A re-entry is signed once, not in passes of a stage.
REENTRY_PASS = "reentry"
GUARANTEES = ("food_and_clothing", "compulsory_education", "basic_medical_care", "safe_housing")


class ReentryRefused(Refusal):
    """The household cannot be registered as asked (in the registry already, replayed signature...)."""


def reentry_id(household_id: str, seq: int) -> str:
    """The id of a household's seq-th return to poverty; also its status change's case id."""
    return f"reentry/{household_id}/{seq}"


def register_id(household_id: str) -> str:
    """The id of a newly poor household's registration as a candidate (and of its status change)."""
    return f"register/{household_id}"


def signed_subject(household_id: str, kind: ReentryKind, previous_case_id: str | None) -> str:
    """What a re-entry signature is bound to (the signature's ``case_id``): a return names the exit it
    undoes, so a signed return cannot be replayed after a later exit; a registration happens once."""
    if kind == "return":
        return f"reentry/{household_id}/{previous_case_id}"
    return register_id(household_id)


class NewHousehold(BaseModel):
    """The data a 新增 registration records (the head's name and ID stay in the registry only)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    village_id: Annotated[str, Field(min_length=1, max_length=64)]
    members: Annotated[int, Field(ge=1, le=50)]
    head_name: Annotated[str, Field(min_length=1, max_length=100)]
    per_capita_income: dict[int, str] = Field(default_factory=dict)  # year -> yuan, as text (exact)
    lacking: tuple[str, ...] = ()  # guarantees of 两不愁三保障 not met

    def guarantees(self) -> dict[str, bool]:
        unknown = sorted(set(self.lacking) - set(GUARANTEES))
        if unknown:
            raise ValueError(f"unknown guarantees {', '.join(unknown)} (known: {', '.join(GUARANTEES)})")
        return {g: g not in self.lacking for g in GUARANTEES}


def evidence(household_id: str, kind: ReentryKind, evidence_sha256: str, previous_case_id: str | None,
             new: NewHousehold | None = None) -> dict[str, Any]:
    """What the signature covers besides the standard fields (its digest goes into the signed fields)."""
    doc: dict[str, Any] = {
        "household_id": household_id, "kind": kind, "evidence_sha256": evidence_sha256,
        "previous_case_id": previous_case_id,
    }
    if new is not None:
        doc["household"] = new.model_dump(mode="json")
    return doc


class ReentryCommand(SignedMessage):
    """A return to poverty or an enrolment as its recorder signs it, for the subject ``signed_subject``
    names and the stage ``STAGE``: the kind, the reason and the digest of ``evidence``. The registry
    rebuilds it from its own rows (the household's current exit case) to check the signature."""

    signed_kind = "reentry"

    household_id: str
    kind: ReentryKind
    reason: str
    evidence_sha256: str
    previous_case_id: str | None = None
    household: NewHousehold | None = None  # a registration's data
    official_id: str

    @property
    def subject_id(self) -> str:
        return signed_subject(self.household_id, self.kind, self.previous_case_id)

    def signed_terms(self) -> SignedTerms:
        return SignedTerms(
            outcome=self.kind, note=self.reason,
            evidence=evidence(self.household_id, self.kind, self.evidence_sha256, self.previous_case_id, self.household),
        )


def check_recorder(official: Official, village_id: str) -> None:
    if official.role not in RECORDER_ROLES:
        raise WrongRole(
            f"{official.official_id} acts as {official.role.value}; a newly poor household is registered by the "
            "village two committees (village_secretary or village_director)"
        )
    if official.jurisdiction_id != village_id:
        raise WrongJurisdiction(
            f"{official.official_id} is {official.role.value} of {official.jurisdiction_id}; the household is in {village_id}"
        )


class ReentryRecord(BaseModel):
    """A recorded registration (or an earlier return), as the CLI prints it (no personal data)."""

    model_config = ConfigDict(frozen=True)

    reentry_id: str
    household_id: str
    kind: ReentryKind
    reason: str
    evidence_sha256: str
    previous_case_id: str | None
    official_id: str
    role: str
    key_id: str
    signed_at: datetime
    at: datetime
    status: str  # the household's registry status afterwards
