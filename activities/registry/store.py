"""Reads and writes of the registry. Every write is idempotent, keyed by the case that makes it."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, NoReturn

from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from activities.registry.schema import (
    AnnouncementPosting,
    County,
    City,
    Household,
    HouseholdIncome,
    NoticePosting,
    ObjectionContact,
    OfficialPost,
    RegistryMeta,
    StatusChange,
    Township,
    Village,
)
from domain.criteria.household import Guarantees, HouseholdFacts
from domain.officials import Official, Roster
from domain.refusals import Refusal, UnitNotFound
from domain.roles import Role
from domain.units import UnitPath


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: they were written in UTC, so say so."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)


class RegistryUrlError(ValueError):
    """The registry URL is not one SQLAlchemy can use (CLI exit code 2)."""


class RegistryUnavailable(Exception):
    """The registry database cannot be reached (CLI exit code 3; activities retry)."""


class ExitConflict(Refusal):
    """A unit is already marked exited by a different case."""


def make_engine(url: str) -> Engine:
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        # The worker and the CLI share the file: WAL lets readers and one writer overlap, and the
        # busy timeout waits out a writer instead of failing. It is set first, so that switching a new
        # file to WAL (which needs the file to itself) waits as long as everything else does.
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    return engine


class RegistryStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str) -> "RegistryStore":
        try:
            return cls(make_engine(url))
        except (ArgumentError, NoSuchModuleError, ModuleNotFoundError) as exc:
            raise RegistryUrlError(f"the registry URL {url!r} is not usable: {exc}") from None

    def create_schema(self) -> None:
        # The schema is Alembic's (activities/registry/migrations): bring it to head. Safe with any
        # number of workers starting at once (see activities/registry/migrate.py).
        from activities.registry.migrate import SchemaError, upgrade

        with self._guard():
            try:
                upgrade(self.engine)
            except SchemaError as exc:
                raise RegistryUnavailable(str(exc)) from exc

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._guard(), self._sessions.begin() as session:
            yield session

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except ProgrammingError as exc:  # PostgreSQL: a table or column this tuopin expects is missing
            raise RegistryUnavailable(
                f"the registry's schema is older than this tuopin ({exc.orig}); run any tuopin command to migrate it"
            ) from None
        except OperationalError as exc:
            if "no such column" in str(exc.orig) or "no such table" in str(exc.orig):
                raise RegistryUnavailable(
                    f"the registry's schema is older than this tuopin ({exc.orig}); migrate it or start a new one"
                ) from None
            raise RegistryUnavailable(f"the registry cannot be reached: {exc.orig}") from None

    # -- meta ---------------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        with self.session() as s:
            row = s.get(RegistryMeta, key)
            return row.value if row else None

    # -- units --------------------------------------------------------------------------------
    def village_path(self, s: Session, village_id: str) -> UnitPath:
        village = s.get(Village, village_id)
        if village is None:
            raise UnitNotFound(f"no village {village_id!r} in the registry")
        township = s.get(Township, village.township_id)
        assert township is not None
        return self.township_path(s, township.id).model_copy(update={"village_id": village.id})

    def township_path(self, s: Session, township_id: str) -> UnitPath:
        township = s.get(Township, township_id)
        if township is None:
            raise UnitNotFound(f"no township {township_id!r} in the registry")
        return self.county_path(s, township.county_id).model_copy(update={"township_id": township.id})

    def county_path(self, s: Session, county_id: str) -> UnitPath:
        county = s.get(County, county_id)
        if county is None:
            raise UnitNotFound(f"no county {county_id!r} in the registry")
        city = s.get(City, county.city_id)
        assert city is not None
        return UnitPath(province_id=city.province_id, city_id=city.id, county_id=county.id)

    def household_case_data(self, household_id: str) -> tuple[HouseholdFacts, UnitPath]:
        """The household's facts and its place, in two plain-row reads (every opening asks this twice:
        the client's check and the case itself); _missing_link names what is missing if it fails."""
        h, v, t, c, ci = (m.__table__ for m in (Household, Village, Township, County, City))
        inc = HouseholdIncome.__table__
        with self.session() as s:
            row = s.execute(
                select(
                    h.c.id, h.c.village_id, h.c.members, h.c.status, h.c.food_and_clothing, h.c.compulsory_education,
                    h.c.basic_medical_care, h.c.safe_housing, h.c.nationally_defined, t.c.id.label("township_id"), c.c.id.label("county_id"),
                    ci.c.id.label("city_id"), ci.c.province_id,
                )
                .select_from(h.join(v, v.c.id == h.c.village_id).join(t, t.c.id == v.c.township_id)
                             .join(c, c.c.id == t.c.county_id).join(ci, ci.c.id == c.c.city_id))
                .where(h.c.id == household_id)
            ).one_or_none()
            if row is None:
                self._missing_link(s, household_id)
            incomes = s.execute(select(inc.c.year, inc.c.per_capita_income).where(inc.c.household_id == household_id))
            facts = HouseholdFacts(
                household_id=row.id, village_id=row.village_id, members=row.members, status=row.status,
                per_capita_income={year: income for year, income in incomes},
                nationally_defined=bool(row.nationally_defined),
                guarantees=Guarantees(
                    food_and_clothing=row.food_and_clothing, compulsory_education=row.compulsory_education,
                    basic_medical_care=row.basic_medical_care, safe_housing=row.safe_housing,
                ),
            )
            path = UnitPath(
                province_id=row.province_id, city_id=row.city_id, county_id=row.county_id, township_id=row.township_id,
                village_id=row.village_id, household_id=row.id,
            )
            return facts, path

    def _missing_link(self, s: Session, household_id: str) -> NoReturn:
        """Names what is missing: the household, or a unit on its way up to the province."""
        household = s.get(Household, household_id)
        if household is None:
            raise UnitNotFound(f"no household {household_id!r} in the registry")
        self.village_path(s, household.village_id)
        raise UnitNotFound(f"household {household_id!r} is not under a complete village–county–city path")

    # -- officials ----------------------------------------------------------------------------
    def roster(self, jurisdiction_ids: list[str]) -> Roster:
        with self.session() as s:
            return Roster(officials=active_officials(s, jurisdiction_ids))

    def official(self, official_id: str) -> Official | None:
        with self.session() as s:
            row = s.get(OfficialPost, official_id)
            return official_of(row) if row is not None and row.active else None

    # -- notices, announcements, 销号 ----------------------------------------------------------
    def post_notice(
        self, case_id: str, window_no: int, scope_level: str, jurisdiction_id: str,
        opened_at: datetime, closes_at: datetime, body: str,
    ) -> None:
        with self.session() as s:
            exists = s.scalar(
                select(NoticePosting).where(
                    NoticePosting.case_id == case_id,
                    NoticePosting.window_no == window_no,
                    NoticePosting.jurisdiction_id == jurisdiction_id,
                )
            )
            if exists is None:
                s.add(NoticePosting(
                    case_id=case_id, window_no=window_no, scope_level=scope_level,
                    jurisdiction_id=jurisdiction_id, opened_at=opened_at, closes_at=closes_at, body=body,
                ))

    def close_notice(self, case_id: str, window_no: int, closed_at: datetime, outcome: str) -> None:
        with self.session() as s:
            for row in s.scalars(
                select(NoticePosting).where(NoticePosting.case_id == case_id, NoticePosting.window_no == window_no)
            ):
                if row.closed_at is None:
                    row.closed_at, row.outcome = closed_at, outcome

    def notices(self, case_id: str) -> list[NoticePosting]:
        with self.session() as s:
            return list(s.scalars(select(NoticePosting).where(NoticePosting.case_id == case_id).order_by(NoticePosting.id)))

    def announcements(self, case_id: str) -> list[AnnouncementPosting]:
        with self.session() as s:
            return list(s.scalars(
                select(AnnouncementPosting).where(AnnouncementPosting.case_id == case_id).order_by(AnnouncementPosting.id)
            ))

    def status_changes(self, unit_id: str | None = None) -> list[StatusChange]:
        with self.session() as s:
            query = select(StatusChange).order_by(StatusChange.id)
            if unit_id is not None:
                query = query.where(StatusChange.unit_id == unit_id)
            return list(s.scalars(query))

    def store_objection_contact(self, contact_ref: str, case_id: str, contact: str, at: datetime) -> None:
        with self.session() as s:
            if s.get(ObjectionContact, contact_ref) is None:
                s.add(ObjectionContact(contact_ref=contact_ref, case_id=case_id, contact=contact, at=at))

    def forget_objection_contact(self, contact_ref: str) -> None:
        with self.session() as s:
            row = s.get(ObjectionContact, contact_ref)
            if row is not None:
                s.delete(row)

    # -- listings -----------------------------------------------------------------------------
    def list_households(
        self, township_id: str | None = None, village_id: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        with self.session() as s:
            query = select(Household, Village).join(Village, Village.id == Household.village_id).order_by(Household.id)
            if township_id:
                query = query.where(Village.township_id == township_id)
            if village_id:
                query = query.where(Household.village_id == village_id)
            if status:
                query = query.where(Household.status == status)
            return [
                {
                    "household_id": h.id, "village_id": h.village_id, "township_id": v.township_id,
                    "members": h.members, "status": h.status, "planned_exit_year": h.planned_exit_year,
                    "exited_year": h.exited_year, "exited_case_id": h.exited_case_id, "synthetic": h.synthetic,
                }
                for h, v in s.execute(query)
            ]

    def list_villages(self, township_id: str | None = None) -> list[dict[str, Any]]:
        with self.session() as s:
            query = select(Village).order_by(Village.township_id, Village.id)
            if township_id:
                query = query.where(Village.township_id == township_id)
            counts = dict(s.execute(
                select(Household.village_id, func.count()).where(Household.status == "poor").group_by(Household.village_id)
            ).all())
            return [
                {
                    "village_id": v.id, "name": v.name, "township_id": v.township_id,
                    "poor_village": v.is_poor_village, "hollow_village": v.is_hollow_village,
                    "poor_status": v.poor_status, "hollow_status": v.hollow_status,
                    "poor_households": counts.get(v.id, 0), "synthetic": v.synthetic,
                }
                for v in s.scalars(query)
            ]

    def list_townships(self) -> list[dict[str, Any]]:
        with self.session() as s:
            return [
                {"township_id": t.id, "name": t.name, "county_id": t.county_id,
                 "key_township": t.is_key_township, "status": t.status}
                for t in s.scalars(select(Township).order_by(Township.id))
            ]

    def list_officials(self, jurisdiction_id: str | None = None, role: str | None = None) -> list[dict[str, Any]]:
        with self.session() as s:
            query = select(OfficialPost).order_by(OfficialPost.jurisdiction_id, OfficialPost.id)
            if jurisdiction_id:
                query = query.where(OfficialPost.jurisdiction_id == jurisdiction_id)
            if role:
                query = query.where(OfficialPost.role == role)
            return [
                {"official_id": o.id, "person_id": o.person_id, "name": o.name, "role": o.role,
                 "jurisdiction_id": o.jurisdiction_id, "active": o.active, "synthetic": o.synthetic}
                for o in s.scalars(query)
            ]


def active_officials(s: Session, jurisdiction_ids: list[str]) -> tuple[Official, ...]:
    """The active posts of these jurisdictions, by id, read as plain rows (every stage of every case asks)."""
    posts = OfficialPost.__table__
    rows = s.execute(
        select(posts.c.id, posts.c.person_id, posts.c.name, posts.c.role, posts.c.jurisdiction_id)
        .where(posts.c.jurisdiction_id.in_(jurisdiction_ids), posts.c.active.is_(True))
        .order_by(posts.c.id)
    )
    return tuple(official_of(row) for row in rows)


def official_of(row: Any) -> Official:
    """An official post as the cases see it, from an ORM object or a plain row of `officials`."""
    return Official(
        official_id=row.id, person_id=row.person_id, name=row.name,
        role=Role(row.role), jurisdiction_id=row.jurisdiction_id,
    )


def announce_in(s: Session, case_id: str, kind: str, scope_level: str, jurisdiction_id: str, at: datetime, body: str) -> None:
    """One 公告 or 备案, once per case, kind and jurisdiction, inside the caller's transaction."""
    exists = s.scalar(
        select(AnnouncementPosting).where(
            AnnouncementPosting.case_id == case_id,
            AnnouncementPosting.kind == kind,
            AnnouncementPosting.jurisdiction_id == jurisdiction_id,
        )
    )
    if exists is None:
        s.add(AnnouncementPosting(
            case_id=case_id, kind=kind, scope_level=scope_level,
            jurisdiction_id=jurisdiction_id, at=at, body=body,
        ))
