"""强化监督问责 (清委办〔2017〕25号 四.4): the county leading group's spot checks of exited units.

Pure and deterministic (safe inside the workflow): the check's id from its business key, the
reproducible sample, the assignment of verifiers, who may record which finding, and the summary.

* **Sample**: the year's exits of the county (households, 贫困村/空壳村, key townships), sorted by
  (unit id, unit type), then ``random.Random(seed).sample`` of ceil(n × percent / 100) of them. The
  seed is part of the check's id, so anyone can draw the same sample again from the same list.
* **Verifiers**: the county_group officials of the county (县精准扶贫领导小组). Each sampled unit goes
  to the least-loaded of those whose person did NOT sign that exit (ties by official id, so it is a
  round-robin); only when every county_group official signed it does one of them get it anyway, and
  the entry says the verification is not independent.
* **Findings**: ``confirmed``, ``false_exit`` (不符合条件) or ``incomplete`` (未完整履行退出程序), one per
  sampled unit, by the assigned verifier or another county_group official of the county. A person who
  signed the exit may not record its finding while an independent county_group official exists for it.
  An adverse finding changes nothing in the registry by itself: it refers the unit to its township
  (责成相关地方进行核查处理), whose report the county decides on (domain.spot_check_referral).
* **Summary**: units sampled, checked (a finding is in), outstanding; confirmed, false and incomplete
  exits; the wrongful-exit rate = adverse findings ÷ units checked; referrals still open, exits reversed.
"""

from __future__ import annotations

import math
import random
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.case import CaseState, RefusedAttempt
from domain.officials import Official, Roster
from domain.refusals import Refusal, SamePerson, UnknownOfficial, WrongRole
from domain.roles import Role
from domain.signing import Signature, SignedMessage, SignedTerms
from domain.spot_check_referral import Referral, refer
from domain.text import Text

CHECK_PREFIX = "spot-check"
DEFAULT_REMIND_AFTER_DAYS = 30
# One finding is one Temporal update, and an execution takes at most 2,000: a larger sample is refused
# (split the county's check by percent, or run several seeds).
MAX_SAMPLE = 1500
# The stages a check's signatures are made for: its start and each finding.
START_STAGE = "start"
FINDING_STAGE = "finding"
# A check has no stages that run again: its signatures all name this one pass.
CHECK_PASS = "check"

Verdict = Literal["confirmed", "false_exit", "incomplete"]
Id = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$")]


# -- refusals ---------------------------------------------------------------------------------
class CheckNotOpen(Refusal):
    pass


class NotInSample(Refusal):
    pass


class AlreadyFound(Refusal):
    pass


class CheckRefused(Refusal):
    """A spot check that cannot start (initiator, percent, sample too large)."""


# -- ids --------------------------------------------------------------------------------------
def check_id(county_id: str, year: int, seed: int) -> str:
    """The check's workflow id, from its business key: ``spot-check/<county>/<year>/<seed>``."""
    return f"{CHECK_PREFIX}/{county_id}/{year}/{seed}"


def is_check_id(value: str) -> bool:
    parts = value.split("/")
    return len(parts) == 4 and parts[0] == CHECK_PREFIX and parts[2].isdigit() and parts[3].isdigit()


# -- what is sampled --------------------------------------------------------------------------
class ExitedUnit(BaseModel):
    """One exit of the year as the registry holds it: the unit, the case that exited it, where it is."""

    model_config = ConfigDict(frozen=True)

    unit_type: Literal["household", "village_poor", "village_hollow", "township"]
    unit_id: str
    year: int
    case_id: str
    county_id: str
    township_id: str | None = None
    village_id: str | None = None
    exited_at: datetime | None = None

    @property
    def key(self) -> str:
        return f"{self.unit_type}:{self.unit_id}"


class Signer(BaseModel):
    """One signature that approved an exit (责任可追溯): who, in which post, at which stage, when."""

    model_config = ConfigDict(frozen=True)

    official_id: str
    person_id: str
    name: str
    role: str
    jurisdiction_id: str
    stage: str
    at: datetime
    meeting_ref: str | None = None


class ExitTrace(BaseModel):
    """The signers of one exit case, or why they could not be read."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    available: bool
    signers: list[Signer] = Field(default_factory=list)
    note: str | None = None


def signers_of(case: CaseState) -> list[Signer]:
    """The officials whose signatures approved the exit: every approval not superseded by a return
    (the household's own consent is not an official's signature)."""
    return [
        Signer(
            official_id=d.official_id, person_id=d.person_id, name=d.name, role=d.role,
            jurisdiction_id=d.jurisdiction_id, stage=d.stage, at=d.at, meeting_ref=d.meeting_ref,
        )
        for d in case.decisions
        if d.outcome == "approve" and not d.superseded
    ]


def sample_size(population: int, percent: float) -> int:
    """ceil(population × percent / 100), computed exactly (no float rounding)."""
    return math.ceil(Decimal(population) * Decimal(str(percent)) / Decimal(100))


def draw_sample(exits: list[ExitedUnit], percent: float, seed: int) -> list[ExitedUnit]:
    """The reproducible sample: the same exits, percent and seed always give the same units."""
    population = sorted(exits, key=lambda u: (u.unit_id, u.unit_type))
    size = min(len(population), sample_size(len(population), percent))
    chosen = random.Random(seed).sample(population, size)
    return sorted(chosen, key=lambda u: (u.unit_id, u.unit_type))


# -- the check --------------------------------------------------------------------------------
class SpotCheckInput(SignedMessage):
    """Starts a check, signed by its initiator over the county, year, percent, seed and reminder period."""

    signed_kind = "spotcheck_start"

    county_id: Id
    year: Annotated[int, Field(ge=2014, le=2100)]
    percent: Annotated[float, Field(gt=0, le=100)]
    seed: Annotated[int, Field(ge=0, lt=2**63)]
    initiator_id: Id
    remind_after_days: Annotated[int, Field(ge=1, le=366)] = DEFAULT_REMIND_AFTER_DAYS

    @property
    def check_id(self) -> str:
        return check_id(self.county_id, self.year, self.seed)

    def signed_terms(self) -> SignedTerms:
        return SignedTerms(outcome="start", evidence=start_evidence(self))


def start_evidence(inp: SpotCheckInput) -> dict[str, Any]:
    """What the initiator's signature covers besides the standard fields."""
    return {"county_id": inp.county_id, "year": inp.year, "percent": inp.percent, "seed": inp.seed,
            "remind_after_days": inp.remind_after_days}


def finding_evidence(unit_type: str | None, unit_id: str) -> dict[str, str | None]:
    """A finding's signature covers the unit, so it cannot be replayed onto another unit of the check."""
    return {"unit_type": unit_type, "unit_id": unit_id}


class Finding(BaseModel):
    verdict: Verdict
    official_id: str
    person_id: str
    name: str
    role: str
    at: datetime
    note: str
    assigned: bool  # the assigned verifier (else another county_group official stood in)
    independent: bool  # the finder's person did not sign the exit
    signature: Signature | None = None
    registry_change: dict[str, Any] | None = None


class SampleEntry(BaseModel):
    unit_type: str
    unit_id: str
    year: int
    case_id: str  # the exit case under check
    township_id: str | None = None
    village_id: str | None = None
    exited_at: datetime | None = None
    verifier_id: str | None = None
    independent_verifier: bool = True
    signers: list[Signer] = Field(default_factory=list)
    trace_available: bool = True
    trace_note: str | None = None
    finding: Finding | None = None
    referral: Referral | None = None  # an adverse finding's 核查处理

    @property
    def key(self) -> str:
        return f"{self.unit_type}:{self.unit_id}"


class CheckReminder(BaseModel):
    at: datetime
    round: int
    recipients: list[str]
    units: list[str]


class CheckSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    check_id: str
    county_id: str
    year: int
    percent: float
    seed: int
    status: str
    exits_total: int
    units_sampled: int
    units_checked: int
    units_outstanding: int
    confirmed: int
    false_exits: int
    wrongful_exit_rate: float | None  # adverse findings ÷ units checked; None until a finding is in
    false_exit_units: list[str] = Field(default_factory=list)
    reminders: int = 0
    incomplete: int = 0  # findings of a procedure left incomplete
    referrals_open: int = 0  # adverse findings the county has not decided on yet
    reversed_units: list[str] = Field(default_factory=list)  # exits the county decided to reverse
    redo_units: list[str] = Field(default_factory=list)  # exits whose missing steps are to be redone


class SpotCheckState(BaseModel):
    check_id: str
    county_id: str
    year: int
    percent: float
    seed: int
    initiator_id: str
    started_at: datetime
    remind_after_days: int
    status: Literal["drawing", "open", "completed", "refused"] = "drawing"
    reason: str | None = None
    exits_total: int = 0
    sample: list[SampleEntry] = Field(default_factory=list)
    reminders: list[CheckReminder] = Field(default_factory=list)
    refused_attempts: list[RefusedAttempt] = Field(default_factory=list)
    used_signatures: list[str] = Field(default_factory=list)
    trust_root: str | None = None  # the administrator's root the worker pins
    revoked_keys: dict[str, datetime] = Field(default_factory=dict)
    in_flight: list[str] = Field(default_factory=list)  # units whose finding is being recorded
    completed_at: datetime | None = None

    @property
    def subject_id(self) -> str:
        """What the check's signatures are bound to (domain.signature_rules.SignatureLedger): its id."""
        return self.check_id

    def outstanding(self) -> list[SampleEntry]:
        return [e for e in self.sample if e.finding is None]

    def pending(self) -> list[SampleEntry]:
        """What keeps the check open: a finding not in, or a referral not decided."""
        return [e for e in self.sample if e.finding is None or (e.referral is not None and e.referral.status != "decided")]


def check_initiator(roster: Roster, inp: SpotCheckInput) -> Official:
    """县精准扶贫工作领导小组要强化…督查抽查: only a county_group official of the county starts one."""
    official = roster.find(inp.initiator_id)
    if official is None or official.jurisdiction_id != inp.county_id:
        raise UnknownOfficial(f"{inp.initiator_id} holds no post in county {inp.county_id}")
    if official.role != Role.county_group:
        raise WrongRole(
            f"{official.official_id} acts as {official.role.value}; spot checks are run by the county "
            "leading group (county_group)"
        )
    return official


def check_sample_size(population: int, percent: float) -> int:
    size = min(population, sample_size(population, percent))
    if size > MAX_SAMPLE:
        raise CheckRefused(
            f"{percent}% of {population} exits is {size} units, more than the {MAX_SAMPLE} one check can take; "
            "use a smaller percent or several checks with different seeds"
        )
    return size


def assign_verifiers(
    sample: list[ExitedUnit], traces: dict[str, ExitTrace], roster: Roster, county_id: str
) -> list[SampleEntry]:
    """Each unit to the least-loaded county_group official who did not sign its exit (a round-robin)."""
    group = sorted(
        (o for o in roster.officials if o.role == Role.county_group and o.jurisdiction_id == county_id),
        key=lambda o: o.official_id,
    )
    load = {o.official_id: 0 for o in group}
    entries: list[SampleEntry] = []
    for unit in sample:
        trace = traces.get(unit.case_id) or ExitTrace(case_id=unit.case_id, available=False, note="not read")
        signed = {s.person_id for s in trace.signers}
        independent = [o for o in group if o.person_id not in signed]
        pool = independent or group
        verifier = min(pool, key=lambda o: (load[o.official_id], o.official_id)) if pool else None
        if verifier is not None:
            load[verifier.official_id] += 1
        entries.append(SampleEntry(
            unit_type=unit.unit_type, unit_id=unit.unit_id, year=unit.year, case_id=unit.case_id,
            township_id=unit.township_id, village_id=unit.village_id, exited_at=unit.exited_at,
            verifier_id=verifier.official_id if verifier else None, independent_verifier=bool(independent),
            signers=list(trace.signers), trace_available=trace.available, trace_note=trace.note,
        ))
    return entries


class FindingCommand(SignedMessage):
    """`tuopin spotcheck finding CHECK UNIT confirmed|false-exit --as OFFICIAL --note T`: signed over the
    verdict, the note and the unit, so it cannot be replayed onto another unit of the check."""

    signed_kind = "spotcheck_finding"

    unit_id: Id
    unit_type: Literal["household", "village_poor", "village_hollow", "township"] | None = None
    verdict: Verdict
    official_id: Id
    note: Text

    def signed_terms(self) -> SignedTerms:
        return SignedTerms(outcome=self.verdict, note=self.note, evidence=finding_evidence(self.unit_type, self.unit_id))


class FindingAck(BaseModel):
    model_config = ConfigDict(frozen=True)

    check_id: str
    unit_type: str
    unit_id: str
    verdict: str
    status: str
    registry_change: dict[str, Any] | None = None
    signers: list[Signer] = Field(default_factory=list)
    units_outstanding: int = 0


def resolve_entry(state: SpotCheckState, unit_id: str, unit_type: str | None) -> SampleEntry:
    matches = [e for e in state.sample if e.unit_id == unit_id and (unit_type is None or e.unit_type == unit_type)]
    if not matches:
        sampled = ", ".join(e.unit_id for e in state.sample[:20]) or "none"
        raise NotInSample(f"{unit_id} is not in the sample of {state.check_id} (sampled: {sampled})")
    if len(matches) > 1:
        kinds = ", ".join(e.unit_type for e in matches)
        raise NotInSample(f"{unit_id} is sampled more than once ({kinds}); name which (--unit-type)")
    return matches[0]


def check_finding(
    state: SpotCheckState, roster: Roster, cmd: FindingCommand, holding: bool = False
) -> tuple[SampleEntry, Official, bool]:
    """Who may record this finding now; returns the entry, the official and whether they are independent.
    ``holding``: the caller is the handler that marked this unit in flight (see the workflow)."""
    if state.status == "drawing":
        raise CheckNotOpen(f"{state.check_id} is still drawing its sample; try again in a moment")
    if state.status != "open":
        raise CheckNotOpen(f"{state.check_id} is {state.status}; it takes no more findings")
    entry = resolve_entry(state, cmd.unit_id, cmd.unit_type)
    if entry.finding is not None:
        f = entry.finding
        raise AlreadyFound(
            f"the finding on {entry.unit_id} was already recorded by {f.official_id} at {f.at.isoformat()} ({f.verdict})"
        )
    if entry.key in state.in_flight and not holding:
        raise AlreadyFound(f"a finding on {entry.unit_id} is being recorded right now")
    official = roster.find(cmd.official_id)
    if official is None or official.jurisdiction_id != state.county_id:
        raise UnknownOfficial(f"{cmd.official_id} holds no post in county {state.county_id}")
    if official.role != Role.county_group:
        raise WrongRole(
            f"{official.official_id} acts as {official.role.value}; findings of a spot check are recorded by "
            f"the county leading group (county_group of {state.county_id})"
        )
    signed = {s.person_id for s in entry.signers}
    independent = official.person_id not in signed
    if not independent:
        others = [
            o.official_id for o in roster.officials
            if o.role == Role.county_group and o.jurisdiction_id == state.county_id and o.person_id not in signed
        ]
        if others:
            raise SamePerson(
                f"{official.name} ({official.person_id}) signed the exit {entry.case_id} under check; "
                f"its finding is recorded by an independent verifier ({', '.join(others)})"
            )
    return entry, official, independent


def apply_finding(
    state: SpotCheckState, roster: Roster, cmd: FindingCommand, now: datetime, registry_change: dict[str, Any] | None
) -> SampleEntry:
    """Checks again (the handler awaited the signature and the registry in between) and records it."""
    entry, official, independent = check_finding(state, roster, cmd, holding=True)
    entry.finding = Finding(
        verdict=cmd.verdict, official_id=official.official_id, person_id=official.person_id, name=official.name,
        role=official.role.value, at=now, note=cmd.note, assigned=official.official_id == entry.verifier_id,
        independent=independent, signature=cmd.signature, registry_change=registry_change,
    )
    entry.referral = refer(entry.township_id, cmd.verdict, now)
    return entry


def summarize(state: SpotCheckState) -> CheckSummary:
    found = [e for e in state.sample if e.finding is not None]
    false_exits = [e for e in found if e.finding is not None and e.finding.verdict == "false_exit"]
    incomplete = [e for e in found if e.finding is not None and e.finding.verdict == "incomplete"]
    referred = [e.referral for e in found if e.referral is not None]
    return CheckSummary(
        check_id=state.check_id, county_id=state.county_id, year=state.year, percent=state.percent, seed=state.seed,
        status=state.status, exits_total=state.exits_total, units_sampled=len(state.sample),
        units_checked=len(found), units_outstanding=len(state.sample) - len(found),
        confirmed=len(found) - len(false_exits) - len(incomplete), false_exits=len(false_exits),
        wrongful_exit_rate=round((len(false_exits) + len(incomplete)) / len(found), 4) if found else None,
        false_exit_units=[e.unit_id for e in false_exits], reminders=len(state.reminders),
        incomplete=len(incomplete), referrals_open=sum(1 for r in referred if r.status != "decided"),
        reversed_units=[e.unit_id for e in found if e.referral is not None and e.referral.ruling == "reverse"
                        and e.referral.status == "decided"],
        redo_units=[e.unit_id for e in found if e.referral is not None and e.referral.ruling == "redo"
                    and e.referral.status == "decided"],
    )


def reminder_recipients(state: SpotCheckState) -> tuple[list[str], list[str]]:
    """(recipients, units) of a reminder: each outstanding unit's verifier (or the county group), and
    the posts a referral waits for (the township's leaders for its report, the county's for the decision)."""
    recipients: list[str] = []
    units: list[str] = []
    for entry in state.pending():
        if entry.finding is None:
            wanted = [entry.verifier_id or f"{Role.county_group.value}@{state.county_id}"]
        else:
            assert entry.referral is not None
            place = entry.referral.township_id if entry.referral.status == "referred" else state.county_id
            wanted = [f"{role.value}@{place}" for role in entry.referral.awaited_roles()]
        for who in wanted:
            if who not in recipients:
                recipients.append(who)
        units.append(entry.unit_id)
    return recipients, units
