"""The frozen facts of a village, key-township or key-county case, read from the registry.

贫困发生率 is computed here by SQL from the household records: registered poor persons not yet
exited (the members of households whose status is 'poor') over the rural population.
"""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from activities.registry.schema import County, Household, Township, UnitStatistic, Village
from activities.registry.store import RegistryStore
from domain import indicators as ind
from domain.criteria.figures import Figure, Incidence
from domain.criteria.key_area import IndicatorComparison, KeyAreaFacts
from domain.criteria.village import Designation, VillageFacts
from domain.refusals import UnitNotFound
from domain.units import UnitPath


def figure(s: Session, unit_id: str, indicator: str, year: int) -> Figure | None:
    """The figure for the exit year, or the latest before it."""
    row = s.scalars(
        select(UnitStatistic)
        .where(UnitStatistic.unit_id == unit_id, UnitStatistic.indicator == indicator, UnitStatistic.year <= year)
        .order_by(UnitStatistic.year.desc())
        .limit(1)
    ).first()
    return Figure(value=row.value, year=row.year, source=row.source) if row else None


def _poor_persons(s: Session, village_ids: list[str]) -> int:
    total = s.scalar(
        select(func.coalesce(func.sum(Household.members), 0)).where(
            Household.village_id.in_(village_ids), Household.status == "poor"
        )
    )
    return int(total or 0)


def _rural_population(s: Session, village_ids: list[str], year: int) -> int:
    total = 0
    for village_id in village_ids:
        population = figure(s, village_id, ind.RURAL_POPULATION, year)
        total += int(population.value) if population else 0
    return total


def village_case_data(store: RegistryStore, village_id: str, designation: Designation, year: int) -> tuple[VillageFacts, UnitPath]:
    with store.session() as s:
        village = s.get(Village, village_id)
        if village is None:
            raise UnitNotFound(f"no village {village_id!r} in the registry")
        path = store.village_path(s, village_id)
        designated = village.is_poor_village if designation == "poor" else village.is_hollow_village
        status = village.poor_status if designation == "poor" else village.hollow_status
        facts = VillageFacts(
            village_id=village.id,
            township_id=village.township_id,
            designation=designation,
            designated=designated,
            status=status,
            incidence=Incidence(
                poor_persons=_poor_persons(s, [village.id]), rural_population=_rural_population(s, [village.id], year)
            ),
            rural_income_per_capita=figure(s, village.id, ind.RURAL_INCOME_PER_CAPITA, year),
            county_average_income=figure(s, path.county_id, ind.RURAL_INCOME_PER_CAPITA, year),
            province_average_income=figure(s, path.province_id, ind.RURAL_INCOME_PER_CAPITA, year),
            collective_income=figure(s, village.id, ind.COLLECTIVE_INCOME, year),
        )
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
        facts = KeyAreaFacts(
            unit_id=unit_id,
            unit_type=unit_type,  # type: ignore[arg-type]
            designated=designated,
            status=status,
            incidence=Incidence(
                poor_persons=_poor_persons(s, village_ids), rural_population=_rural_population(s, village_ids, year)
            ),
            income_growth_pct=figure(s, unit_id, ind.RURAL_INCOME_GROWTH_PCT, year),
            city_income_growth_pct=figure(s, path.city_id, ind.RURAL_INCOME_GROWTH_PCT, year),
            service_indicators={
                name: IndicatorComparison(
                    title=title, value=figure(s, unit_id, name, year), average=figure(s, benchmark, name, year)
                )
                for name, title in ind.SERVICE_INDICATORS.items()
            },
        )
        return facts, path
