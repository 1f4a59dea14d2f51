"""The 建档立卡 registry's tables. Units are never deleted: exit is a status (销号), with its case."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Province(Base):
    __tablename__ = "provinces"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class City(Base):
    __tablename__ = "cities"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    province_id: Mapped[str] = mapped_column(ForeignKey("provinces.id"))
    # 监督电话: the office's phone for objections to a notice (printed on it); an office's, never a person's
    supervision_phone: Mapped[str | None] = mapped_column(String(32), nullable=True)


class County(Base):
    __tablename__ = "counties"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    city_id: Mapped[str] = mapped_column(ForeignKey("cities.id"))
    is_key_county: Mapped[bool] = mapped_column(Boolean, default=False)  # 省级扶贫开发工作重点县
    # 监督电话: the office's phone for objections to a notice (printed on it); an office's, never a person's
    supervision_phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="poor")
    exited_case_id: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Township(Base):
    __tablename__ = "townships"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    county_id: Mapped[str] = mapped_column(ForeignKey("counties.id"))
    is_key_township: Mapped[bool] = mapped_column(Boolean, default=False)  # 市级重点乡
    # 监督电话: the office's phone for objections to a notice (printed on it); an office's, never a person's
    supervision_phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="poor")
    exited_case_id: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Village(Base):
    __tablename__ = "villages"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    township_id: Mapped[str] = mapped_column(ForeignKey("townships.id"), index=True)
    is_poor_village: Mapped[bool] = mapped_column(Boolean, default=False)  # 贫困村
    is_hollow_village: Mapped[bool] = mapped_column(Boolean, default=False)  # 空壳村
    poor_status: Mapped[str | None] = mapped_column(String(16), nullable=True)  # poor / exited
    hollow_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    poor_exited_case_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    hollow_exited_case_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    paired_department: Mapped[str | None] = mapped_column(String(100), nullable=True)  # 挂包的县直部门
    paired_department_source: Mapped[str | None] = mapped_column(String(300), nullable=True)  # where the pairing comes from
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class Household(Base):
    __tablename__ = "households"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    village_id: Mapped[str] = mapped_column(ForeignKey("villages.id"), index=True)
    head_name: Mapped[str] = mapped_column(String(100))
    village_group: Mapped[str | None] = mapped_column(String(64), nullable=True)  # 村民小组, shown on its notice
    # Personal data: never copied into cases, notices, search attributes or logs.
    head_id_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    members: Mapped[int] = mapped_column(Integer)
    food_and_clothing: Mapped[bool] = mapped_column(Boolean)
    compulsory_education: Mapped[bool] = mapped_column(Boolean)
    basic_medical_care: Mapped[bool] = mapped_column(Boolean)
    safe_housing: Mapped[bool] = mapped_column(Boolean)
    nationally_defined: Mapped[bool] = mapped_column(Boolean, default=False)  # 国定
    planned_exit_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="poor", index=True)  # poor / exited
    exited_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    exited_case_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    exited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class HouseholdIncome(Base):
    __tablename__ = "household_incomes"
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    per_capita_income: Mapped[Decimal] = mapped_column(Numeric(12, 2))


class UnitStatistic(Base):
    """A figure of a unit for a year, with where it comes from (村集体收入, 农民人均可支配收入, 增长率,
    农业人口, public-service indicators ...). Indicator names are listed in domain/indicators.py."""

    __tablename__ = "unit_statistics"
    unit_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Decimal] = mapped_column(Numeric(16, 4))
    source: Mapped[str] = mapped_column(String(300))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class OfficialPost(Base):
    __tablename__ = "officials"
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(120), index=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(32))
    jurisdiction_id: Mapped[str] = mapped_column(String(64), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class OfficialKey(Base):
    """A public key an administrator registered for an official post; revoked keys stay, marked."""

    __tablename__ = "official_keys"
    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    official_id: Mapped[str] = mapped_column(ForeignKey("officials.id"), index=True)
    public_key: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    registered_by: Mapped[str] = mapped_column(String(120))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    revoke_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # the administrator's signed statements (domain/certificates.py, JSON); the columns above repeat
    # what they say for queries, and a case trusts only the signed statements
    certificate: Mapped[str | None] = mapped_column(Text, nullable=True)
    revocation: Mapped[str | None] = mapped_column(Text, nullable=True)


class NoticePosting(Base):
    """One posting of a 公示 list in one place; the body carries no personal data."""

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("case_id", "window_no", "jurisdiction_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(200), index=True)
    window_no: Mapped[int] = mapped_column(Integer)
    scope_level: Mapped[str] = mapped_column(String(16))
    jurisdiction_id: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    body: Mapped[str] = mapped_column(Text)


class AnnouncementPosting(Base):
    """公告 of a final decision, or the 备案 filing with a higher level."""

    __tablename__ = "announcements"
    __table_args__ = (UniqueConstraint("case_id", "kind", "jurisdiction_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    scope_level: Mapped[str] = mapped_column(String(16))
    jurisdiction_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    body: Mapped[str] = mapped_column(Text)


class StatusChange(Base):
    """Every status change of a unit, with the case that made it (责任可追溯)."""

    __tablename__ = "status_changes"
    __table_args__ = (UniqueConstraint("case_id", "unit_id", "to_status"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(200))
    # household / village_poor / village_hollow / township / county
    unit_type: Mapped[str] = mapped_column(String(16))
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the exit year of the case
    unit_id: Mapped[str] = mapped_column(String(64), index=True)
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # written by a simulation worker (domain/simulation.py): a load test's exit, never a real one
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)


class ReminderOutbox(Base):
    """Reminders and escalations to send (a mail/SMS gateway drains it); one row per wait and recipient."""

    __tablename__ = "reminder_outbox"
    __table_args__ = (UniqueConstraint("case_id", "kind", "recipient", "waiting_since"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(120))  # role@jurisdiction
    stage: Mapped[str] = mapped_column(String(64))
    waiting_since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CaseHead(Base):
    """The final head of an exited case's dossier, kept at 销号: the service's closing anchor
    (domain.anchors.DossierAnchor as JSON). An auditor with registry access compares a dossier's
    entries with it; a dossier cut off together with its closing anchor no longer matches."""

    __tablename__ = "case_heads"
    case_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    entry_count: Mapped[int] = mapped_column(Integer)  # the anchored entries the head covers
    head: Mapped[str] = mapped_column(String(64))
    anchor: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ObjectionContact(Base):
    """An objector's contact, kept here and out of the case history the Web UI shows."""

    __tablename__ = "objection_contacts"
    contact_ref: Mapped[str] = mapped_column(String(120), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(200), index=True)
    contact: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WorkingYear(Base):
    """One signed act of the key administrator setting the working year (年度), domain/working_year.py.
    ``act`` is the signed statement (JSON); the columns repeat it for queries, and a worker trusts
    only the statement, checked against its pinned root. A year follows exactly one previous year."""

    __tablename__ = "working_years"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    previous: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)
    set_by: Mapped[str] = mapped_column(String(120))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    act: Mapped[str] = mapped_column(Text)


class RegistryMeta(Base):
    __tablename__ = "registry_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# -- supervision and dynamic management (强化监督问责, 动态管理): new tables only, so a registry whose
# migrations predate them keeps working for everything else.


class SpotCheck(Base):
    """A spot check of one county's exits of one year (四.4 督查抽查), with the seed of its sample."""

    __tablename__ = "spot_checks"
    check_id: Mapped[str] = mapped_column(String(200), primary_key=True)  # spot-check/<county>/<year>/<seed>
    county_id: Mapped[str] = mapped_column(String(64), index=True)
    year: Mapped[int] = mapped_column(Integer)
    percent: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    seed: Mapped[str] = mapped_column(String(24))  # up to 2**63: kept as text, every database holds it
    initiator_id: Mapped[str] = mapped_column(String(120))
    exits_total: Mapped[int] = mapped_column(Integer)
    sample_size: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    units_checked: Mapped[int] = mapped_column(Integer, default=0)
    false_exits: Mapped[int] = mapped_column(Integer, default=0)


class SpotCheckFinding(Base):
    """A verifier's signed finding on one sampled exit; ``signers`` names who signed that exit (JSON). An
    adverse finding is referred to the township; the county's decision on its report is ``disposition``
    (a reversal is the unit's 虚假脱贫 flag)."""

    __tablename__ = "spot_check_findings"
    __table_args__ = (UniqueConstraint("check_id", "unit_type", "unit_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    check_id: Mapped[str] = mapped_column(String(200), index=True)
    unit_type: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[str] = mapped_column(String(64), index=True)
    exited_case_id: Mapped[str] = mapped_column(String(200))
    exit_year: Mapped[int] = mapped_column(Integer)
    verdict: Mapped[str] = mapped_column(String(16))  # confirmed / false_exit
    official_id: Mapped[str] = mapped_column(String(120))
    person_id: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    signature: Mapped[str | None] = mapped_column(String(200), nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    signers: Mapped[str] = mapped_column(Text)  # JSON list of the exit's signers (the trace)
    reversed: Mapped[bool] = mapped_column(Boolean, default=False)  # the county's decision reversed the exit
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # 核查处理 of an adverse finding: the county's decision (reverse / redo), the referral's record (JSON:
    # the township's report and the county's decision with their signers), and when it was decided
    disposition: Mapped[str | None] = mapped_column(String(16), nullable=True)
    referral: Mapped[str | None] = mapped_column(Text, nullable=True)
    disposed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Reentry(Base):
    """返贫 (a household that had exited returns to poverty) or 新增 (a new poor household enrolled):
    signed by the village two committees, with the reason and the SHA-256 of the evidence file."""

    __tablename__ = "reentries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reentry_id: Mapped[str] = mapped_column(String(200), unique=True)  # reentry/<household>/<n> or enroll/<household>
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # return / new
    reason: Mapped[str] = mapped_column(Text)
    evidence_sha256: Mapped[str] = mapped_column(String(64))
    previous_case_id: Mapped[str | None] = mapped_column(String(200), nullable=True)  # the exit it follows
    official_id: Mapped[str] = mapped_column(String(120))
    person_id: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(32))
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(200))
    signature_sha256: Mapped[str] = mapped_column(String(64), unique=True)  # a signed message counts once
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

