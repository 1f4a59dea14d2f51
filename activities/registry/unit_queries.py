"""The frozen facts of a village, key-township or key-county case, read from the registry.

Every figure is the exit year's own: a criterion compares figures of one year (the village's income
with the county's and the province's of that year, a township's growth with the city's of that year).
A figure the registry lacks for that year refuses the opening, naming every missing figure and the
year; no older figure stands in for it and no missing population counts as 0.

贫困发生率 is computed here by SQL from the household records: registered poor persons not yet
exited (the members of households whose status is 'poor') over the rural population of the year.
"""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from activities.registry.schema import County, Household, Township, UnitStatistic, Village
from activities.registry.store import RegistryStore
from domain import indicators as ind
from domain.criteria.figures import Figure, Incidence
from domain.criteria.key_area import IndicatorComparison, KeyAreaFacts
from domain.criteria.village import Designation, VillageFacts
from domain.refusals import FiguresMissing, UnitNotFound
from domain.units import UnitPath

_LISTED_MISSING = 12  # a refusal names this many missing figures, then counts the rest


def figure(s: Session, unit_id: str, indicator: str, year: int) -> Figure | None:
    """The figure of exactly that year; None when the registry has none."""
    row = s.get(UnitStatistic, (unit_id, year, indicator))
    return Figure(value=row.value, year=row.year, source=row.source) if row else None


class _Needed:
    """Collects the figures one opening needs for its year; refuses once, naming all that are missing."""

    def __init__(self, s: Session, year: int) -> None:
        self.s, self.year = s, year
        self.missing: list[str] = []

    def get(self, unit_id: str, indicator: str, what: str) -> Figure:
        found = figure(self.s, unit_id, indicator, self.year)
        if found is None:
            self.missing.append(f"{indicator} of {unit_id} ({what})")
        return found  # type: ignore[return-value]  # None only when refused below

    def check(self) -> None:
        if self.missing:
            shown = "; ".join(self.missing[:_LISTED_MISSING])
            more = f"; and {len(self.missing) - _LISTED_MISSING} more" if len(self.missing) > _LISTED_MISSING else ""
            raise FiguresMissing(
                f"the registry has no figure for {self.year} of: {shown}{more}. A criterion compares figures "
                f"of the exit year only; record them for {self.year} before opening"
            )


def _poor_persons(s: Session, village_ids: list[str]) -> int:
    total = s.scalar(
        select(func.coalesce(func.sum(Household.members), 0)).where(
            Household.village_id.in_(village_ids), Household.status == "poor"
        )
    )
    return int(total or 0)


def _rural_population(need: _Needed, village_ids: list[str]) -> int:
    total = 0
    for village_id in village_ids:
        population = need.get(village_id, ind.RURAL_POPULATION, "rural population")
        total += int(population.value) if population else 0
    return total


def _incidence(need: _Needed, village_ids: list[str]) -> Incidence:
    return Incidence(poor_persons=_poor_persons(need.s, village_ids), rural_population=_rural_population(need, village_ids))


def village_case_data(store: RegistryStore, village_id: str, designation: Designation, year: int) -> tuple[VillageFacts, UnitPath]:
    with store.session() as s:
        village = s.get(Village, village_id)
        if village is None:
            raise UnitNotFound(f"no village {village_id!r} in the registry")
        path = store.village_path(s, village_id)
        designated = village.is_poor_village if designation == "poor" else village.is_hollow_village
        status = village.poor_status if designation == "poor" else village.hollow_status
        need = _Needed(s, year)
        facts = VillageFacts(
            village_id=village.id,
            township_id=village.township_id,
            designation=designation,
            designated=designated,
            status=status,
            incidence=_incidence(need, [village.id]),
            rural_income_per_capita=need.get(village.id, ind.RURAL_INCOME_PER_CAPITA, "the village's income per person"),
            county_average_income=need.get(path.county_id, ind.RURAL_INCOME_PER_CAPITA, "the county average"),
            province_average_income=need.get(path.province_id, ind.RURAL_INCOME_PER_CAPITA, "the province average"),
            collective_income=need.get(village.id, ind.COLLECTIVE_INCOME, "the village collective income"),
        )
        need.check()
        return facts, path


def key_area_case_data(store: RegistryStore, unit_type: str, unit_id: str, year: int) -> tuple[KeyAreaFacts, UnitPath]:
    with store.session() as s:
        if unit_type == "township":
            township = s.get(Township, unit_id)
            if township is None:
                raise UnitNotFound(f"no township {unit_id!r} in the registry")
            path = store.township_path(s, unit_id)
            village_ids = list(s.scalars(select(Village.id).where(Village.township_id == unit_id)))
            designated, status, benchmark = township.is_key_township, township.status, path.city_id
        else:
            county = s.get(County, unit_id)
            if county is None:
                raise UnitNotFound(f"no county {unit_id!r} in the registry")
            path = store.county_path(s, unit_id)
            village_ids = list(s.scalars(
                select(Village.id).join(Township, Township.id == Village.township_id).where(Township.county_id == unit_id)
            ))
            designated, status, benchmark = county.is_key_county, county.status, path.province_id
        need = _Needed(s, year)
        average = "the city average" if unit_type == "township" else "the province average"
        facts = KeyAreaFacts(
            unit_id=unit_id,
            unit_type=unit_type,  # type: ignore[arg-type]
            designated=designated,
            status=status,
            incidence=_incidence(need, village_ids),
            income_growth_pct=need.get(unit_id, ind.RURAL_INCOME_GROWTH_PCT, "income growth"),
            city_income_growth_pct=need.get(path.city_id, ind.RURAL_INCOME_GROWTH_PCT, "the city's income growth"),
            service_indicators={
                name: IndicatorComparison(
                    title=title, value=need.get(unit_id, name, title), average=need.get(benchmark, name, f"{title}, {average}")
                )
                for name, title in ind.SERVICE_INDICATORS.items()
            },
        )
        need.check()
        return facts, path


def _listed_incidence(s: Session, village_ids: list[str], year: int) -> Incidence | None:
    """For listings: None when any village lacks the year's population (no rate is shown, never a 0)."""
    need = _Needed(s, year)
    incidence = _incidence(need, village_ids)
    return None if need.missing else incidence


def village_incidences(store: RegistryStore, year: int, township_id: str | None = None) -> dict[str, Incidence | None]:
    """贫困发生率 of every village (of one township), as the registry stands, for listings."""
    with store.session() as s:
        query = select(Village.id)
        if township_id:
            query = query.where(Village.township_id == township_id)
        return {village_id: _listed_incidence(s, [village_id], year) for village_id in s.scalars(query)}


def township_incidences(store: RegistryStore, year: int) -> dict[str, Incidence | None]:
    with store.session() as s:
        result = {}
        for township_id in s.scalars(select(Township.id)):
            village_ids = list(s.scalars(select(Village.id).where(Village.township_id == township_id)))
            result[township_id] = _listed_incidence(s, village_ids, year)
        return result


def latest_figure_year(store: RegistryStore) -> int:
    """The latest year the registry records a rural population for (listings without a working year)."""
    with store.session() as s:
        year = s.scalar(select(func.max(UnitStatistic.year)).where(UnitStatistic.indicator == ind.RURAL_POPULATION))
        return int(year) if year is not None else 0
