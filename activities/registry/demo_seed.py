"""The demo 建档立卡 registry for Qingliu County (清流县), seeded deterministically.

What is real and what is made up:

* Real (from 清委办〔2017〕25号 and its attachments): the province / city / county / 13 townships
  (``data/qingliu/geography.json``), every village named in attachment 2 with its 贫困村 / 空壳村 flags
  (``data/qingliu/villages.csv``), and the persons planned to exit per township and year, 2017 total
  and 国定, and 2018 (``data/qingliu/household_targets.csv``, copied from attachment 1).
* Synthetic (``synthetic=True`` on every row): 1–2 extra villages per township (flagged in the CSV),
  every household, income and official. Names are labels such as ``示例户主0001`` or
  ``示例·长校镇党委书记``; ID numbers and phones are ``SYN-ID-000001`` / ``SYN-TEL-000001`` and can
  never be mistaken for real ones.

Households: for each township and plan year, households of 1–6 members whose members add up exactly
to the planned persons of attachment 1; the first households, covering exactly the 国定 persons,
are flagged ``nationally_defined``. They are spread over the township's villages, favouring the
villages attachment 2 plans to exit in that year. Ids are ``<village_id>-h<NNN>``.

Incomes (2015–2018, per capita): most households planned for year Y are above the poverty line in Y
and Y-1 (1.08–1.6 × the line) with all four 两不愁三保障 flags true; about 8 % are not — income below
the line in Y, or in Y-1, or exactly equal to the line of Y (equal is not above), or one guarantee
flag false. Nothing but the data itself says which household is which.

Officials: every role of ``domain/roles.py``. Per village ``<village_id>-secretary`` / ``-director`` /
``-workteam``; per township ``<township>-secretary`` / ``-head``; ``qingliu-group``,
``qingliu-secretary``, ``qingliu-head``; ``sanming-group``, ``sanming-secretary``,
``sanming-mayor``; ``fujian-group``; per household ``<household_id>-head`` (role household_head,
jurisdiction = the household). Each post is held by its own person (``p-<official_id>``), except
in one village: **in 河排 (``changxiao-hepai``) the village party secretary is also the villagers'
committee director (一肩挑)** — ``changxiao-hepai-secretary`` and ``changxiao-hepai-director`` share
the person id ``p-changxiao-hepai-secretary``, so the rule "the same person may not fill two
required signatures of one step" can be exercised on real demo data.

Unit statistics (table ``unit_statistics``; every row ``synthetic=True`` with the source
``synthetic demo figure; not from a statistical yearbook``). They exist so the village, key-township
and key-county criteria can be shown passing and refusing on demo data; none is a published figure.

* Every village, 2016–2018: ``rural_population``, ``rural_income_per_capita``, ``collective_income``.
  The rural population is sized to the synthetic households: in its planned year (2018 for villages
  outside the plan) a village's poor persons are 0.8–1.9 % of it (a higher share where that keeps the
  village near 5,000 people; never fewer than 450–800 people, so villages with few poor households
  come out lower), changing by 0.6 %/yr around that year. The synthetic households are spread
  unevenly, so a few villages are larger than most real villages. Per-capita income is a fixed share
  of the county average (0.83–1.08 for planned villages); collective income is 105,000–260,000 yuan
  in the planned year, and below 100,000 before it for 空壳村.
* ``qingliu`` and ``fujian``: ``rural_income_per_capita`` averages 2016–2018 (``COUNTY_INCOME``,
  ``PROVINCE_INCOME``).
* Every township, ``qingliu`` and ``sanming``: ``rural_income_growth_pct`` 2017–2019 (``GROWTH_PCT``):
  the key townships above the city in their attachment-3 year (林畲, 里田 2018; 赖坊 2019), the county
  above it in 2019; 嵩溪 (non-key) exactly equal to the city in 2018 (equal is not above).
* Every ``SERVICE_INDICATORS`` value 2017–2019 for the key townships, the county, the city and the
  province, within about a point and a half of the province's.
* Deterministic exceptions among the attachment-2 villages, so refusals and boundaries can be shown
  (in the planned year): 伍家坊 ``songxi-wujiafang`` incidence exactly 2.00 % (not below 2 %: refused);
  长灌 ``lijia-changguan`` about 2.4 % (refused); 芹溪 ``yupeng-qinxi`` income 66 % of the county's
  and below 60 % of the province's (refused); 步云 ``lingdi-buyun`` collective income 99,999 (refused);
  新矶 ``shawu-xinji`` collective income exactly 100,000 (passes); 基头 ``longjin-jitou`` income exactly
  80 % of the county's (passes); ``PROVINCE_PATH_ONLY`` villages below 80 % of the county's but at least
  60 % of the province's (pass through the province path only).

The 贫困村 planned in attachment 2 carry a ``paired_department`` (挂包的县直部门) from
``data/qingliu/paired_departments.csv``: **demo data** — the policy names no pairings, so each is a
plausible county department marked ``（示例）`` in its name, with ``paired_department_source`` saying
so. 空壳村 get none: the early-exit bonus (正向激励) names 贫困村 and their departments only.

Every village's figures extend to 2019 (the key townships' and the county's last exit year): a case
compares figures of its own year only (activities/registry/unit_queries.py). The registry's first
working year, 2017, is set by the demo administrator's signed act when `tuopin registry seed` runs
(starters/registry_commands.py); ``seed_demo`` itself holds no key.

Deterministic (``random.Random(2017)`` for households, ``random.Random(20171)`` for statistics, so
the households are the same as in ``qingliu-demo-v1``) and idempotent: the seed writes everything in
one transaction together with ``registry_meta['demo_seed'] = DEMO_SEED_VERSION``; when that key is
present (whatever its version), ``seed_demo`` writes nothing and returns the summary of what is there
— a registry seeded by an earlier version lacks what later ones add (v3: the 2019 figures and the
demo pairings); start a new one to get them.
"""

from __future__ import annotations

import csv
import json
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from activities.registry.schema import (
    City,
    County,
    Household,
    HouseholdIncome,
    OfficialPost,
    Province,
    RegistryMeta,
    Township,
    UnitStatistic,
    Village,
)
from activities.registry.store import RegistryStore
from domain import indicators as ind
from domain.county import COUNTY_ID
from domain.poverty_line import PovertyLineTable
from domain.roles import Role

DEMO_SEED_VERSION = "qingliu-demo-v3"
META_KEY = "demo_seed"
SEED = 2017
INCOME_YEARS = (2015, 2016, 2017, 2018)
SHARED_POST_VILLAGE = "changxiao-hepai"  # 一肩挑: secretary and director are one person

_REPO_DATA = Path(__file__).resolve().parents[2] / "data"
DEFAULT_DATA_DIR = _REPO_DATA / COUNTY_ID

# Household sizes 1..6, typical 3–4 (mean ≈ 3.25 persons).
_SIZE_WEIGHTS = {1: 10, 2: 18, 3: 30, 4: 26, 5: 11, 6: 5}
_PLANNED_VILLAGE_WEIGHT = 6  # villages planned to exit in the household's year
_OTHER_VILLAGE_WEIGHT = 1
_INELIGIBLE_SHARE = 0.08
# Cycled over the ineligible households so each kind occurs (≥ 3 "equal" among ~45).
_INELIGIBLE_KINDS = ("equal_line", "below_year", "below_previous_year", "guarantee")
_GUARANTEES = ("food_and_clothing", "compulsory_education", "basic_medical_care", "safe_housing")
_CENT = Decimal("0.01")

# -- unit statistics (all synthetic) --------------------------------------------------------------
STATISTICS_SEED = 20171
STATISTICS_SOURCE = "synthetic demo figure; not from a statistical yearbook"
VILLAGE_STAT_YEARS = (2016, 2017, 2018, 2019)
PLANNED_LAST_YEAR = 2018  # villages outside the plan are sized to this year (attachment 2's last)
GROWTH_YEARS = (2017, 2018, 2019)
SERVICE_YEARS = (2017, 2018, 2019)
# Attachment 3 (key townships).
KEY_TOWNSHIP_EXIT_YEARS = {"linshe": 2018, "litian": 2018, "laifang": 2019}

# 农民人均可支配收入 averages (yuan): the county ("qingliu") and the province ("fujian").
COUNTY_INCOME = {2016: Decimal(11900), 2017: Decimal(12910), 2018: Decimal(14000), 2019: Decimal(15150)}
PROVINCE_INCOME = {2016: Decimal(14300), 2017: Decimal(15480), 2018: Decimal(16500), 2019: Decimal(17800)}

# 农民人均可支配收入增长幅度 (%), 2017, 2018, 2019; keys: "city", "county" or a township id.
GROWTH_PCT: dict[str, tuple[str, str, str]] = {
    "city": ("8.3", "8.2", "8.6"),
    "county": ("8.5", "8.4", "9.1"),  # above the city in 2019 (its exit year)
    "longjin": ("8.1", "7.9", "8.4"),
    "songxi": ("8.0", "8.2", "8.5"),  # 2018 exactly the city's: not above
    "linshe": ("8.6", "9.0", "8.8"),  # key, 2018: above the city
    "wenjiao": ("7.8", "8.0", "8.3"),
    "yupeng": ("8.4", "8.1", "8.7"),
    "shawu": ("7.9", "8.3", "8.2"),
    "laifang": ("8.0", "8.1", "9.4"),  # key, 2019: above the city (not yet in 2017/2018)
    "lingdi": ("8.2", "8.5", "8.9"),
    "lijia": ("7.6", "7.8", "8.1"),
    "changxiao": ("8.7", "8.4", "8.8"),
    "litian": ("8.1", "8.7", "8.9"),  # key, 2018: above the city
    "tianyuan": ("7.7", "8.0", "8.4"),
    "songkou": ("8.3", "8.6", "8.5"),
}
# Province value of each public-service indicator (%) in 2017 and its yearly increase.
SERVICE_PROVINCE: dict[str, tuple[str, str]] = {
    "service.compulsory_education_retention_pct": ("94.6", "0.4"),
    "service.medical_insurance_coverage_pct": ("97.8", "0.3"),
    "service.safe_drinking_water_pct": ("91.5", "1.2"),
    "service.paved_road_village_pct": ("98.6", "0.5"),
    "service.clinic_coverage_pct": ("97.2", "0.8"),
}
# Offset of each unit from the province (percentage points), before a per-indicator jitter of ±0.3.
SERVICE_OFFSET = {"province": "0", "city": "-0.3", "county": "-0.6", "township": "-1.0"}

# Deterministic village exceptions (in the village's planned year).
INCIDENCE_AT_LIMIT = "songxi-wujiafang"  # exactly 2.00 %: 低于2% not met
INCIDENCE_ABOVE_LIMIT = {"lijia-changguan": Decimal("2.4")}  # percent
INCOME_AT_COUNTY_SHARE = "longjin-jitou"  # exactly 80 % of the county average: met (≥)
INCOME_TOO_LOW = {"yupeng-qinxi": Decimal("0.66")}  # share of the county average; < 60 % of the province's
PROVINCE_PATH_ONLY = ("songkou-dayuan", "tianyuan-liaowu", "lingdi-jilong", "laifang-guanfang")
COLLECTIVE_AT_LIMIT = "shawu-xinji"  # exactly 100,000 yuan: met (≥)
COLLECTIVE_BELOW_LIMIT = "lingdi-buyun"  # 99,999 yuan: not met
_POPULATION_DRIFT = Decimal("0.006")  # rural population shrinks 0.6 %/yr
_POPULATION_CAP = Decimal(5000)
_MAX_SHARE = Decimal("1.9")
_YUAN = Decimal(1)
_TENTH = Decimal("0.1")


class SeedSummary(BaseModel):
    version: str
    written: bool  # False when the registry was already seeded and nothing was written
    townships: int
    villages: int
    households: int
    persons_by_year: dict[int, int]
    nationally_defined_persons_by_year: dict[int, int]
    incomes: int
    officials: int
    statistics: int = 0  # unit_statistics rows


@dataclass
class _Geography:
    province: dict
    city: dict
    county: dict
    townships: list[dict]


@dataclass
class _VillageRow:
    id: str
    name: str
    township_id: str
    poor: bool
    hollow: bool
    synthetic: bool
    planned_exit_year: int | None


@dataclass
class _Target:
    township_id: str
    year: int
    persons: int
    nationally_defined: int


@dataclass
class _Counters:
    head: int = 0
    ineligible: int = 0
    per_village: dict[str, int] = field(default_factory=lambda: defaultdict(int))


# -- loading ------------------------------------------------------------------------------------


def _resolve_data_dir(data_dir: Path | None) -> Path:
    data_dir = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    if not (data_dir / "geography.json").exists() and (data_dir / COUNTY_ID / "geography.json").exists():
        data_dir = data_dir / COUNTY_ID  # given the repository's data/ directory
    if not (data_dir / "geography.json").exists():
        raise FileNotFoundError(f"no geography.json under {data_dir}")
    return data_dir


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value not in ("true", "false"):
        raise ValueError(f"expected true/false, got {text!r}")
    return value == "true"


def load_geography(data_dir: Path) -> _Geography:
    raw = json.loads((data_dir / "geography.json").read_text(encoding="utf-8"))
    return _Geography(raw["province"], raw["city"], raw["county"], list(raw["townships"]))


def load_villages(data_dir: Path) -> list[_VillageRow]:
    with (data_dir / "villages.csv").open(encoding="utf-8", newline="") as fh:
        return [
            _VillageRow(
                id=row["village_id"].strip(),
                name=row["name"].strip(),
                township_id=row["township_id"].strip(),
                poor=_bool(row["poor_village"]),
                hollow=_bool(row["hollow_village"]),
                synthetic=_bool(row["synthetic"]),
                planned_exit_year=int(row["planned_exit_year"]) if (row.get("planned_exit_year") or "").strip() else None,
            )
            for row in csv.DictReader(fh)
        ]


@dataclass
class _Pairing:
    department: str
    source: str


def load_pairings(data_dir: Path) -> dict[str, _Pairing]:
    """挂包的县直部门 by village (data/qingliu/paired_departments.csv; absent: no pairing known)."""
    path = data_dir / "paired_departments.csv"
    if not path.exists():
        return {}
    pairings: dict[str, _Pairing] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            village_id = row["village_id"].strip()
            if village_id in pairings:
                raise ValueError(f"paired_departments.csv lists {village_id} twice")
            department, source = row["department"].strip(), row["source"].strip()
            if not department or not source:
                raise ValueError(f"paired_departments.csv: {village_id} needs a department and its source")
            pairings[village_id] = _Pairing(department, source)
    return pairings


def load_targets(data_dir: Path) -> list[_Target]:
    with (data_dir / "household_targets.csv").open(encoding="utf-8", newline="") as fh:
        return [
            _Target(
                township_id=row["township_id"].strip(),
                year=int(row["year"]),
                persons=int(row["persons"] or 0),
                nationally_defined=int(row["nationally_defined"] or 0),
            )
            for row in csv.DictReader(fh)
        ]


def load_poverty_lines(path: Path) -> dict[int, Decimal]:
    table = PovertyLineTable.model_validate(json.loads(path.read_text(encoding="utf-8")))
    return {line.year: line.yuan for line in table.lines if line.standard == "national"}


def _poverty_lines_path(data_dir: Path) -> Path:
    for candidate in (data_dir.parent / "policy" / "poverty_lines.json", _REPO_DATA / "policy" / "poverty_lines.json"):
        if candidate.exists():
            return candidate
    raise FileNotFoundError("no data/policy/poverty_lines.json found")


# -- entry point --------------------------------------------------------------------------------


def seed_demo(
    store: RegistryStore, data_dir: Path | None = None, poverty_lines_path: Path | None = None
) -> SeedSummary:
    """Seed the demo registry once; a second call writes nothing and returns the same summary."""
    store.create_schema()
    if store.meta(META_KEY) is not None:
        return summarize(store, written=False)

    data_dir = _resolve_data_dir(data_dir)
    geography = load_geography(data_dir)
    villages = load_villages(data_dir)
    targets = load_targets(data_dir)
    pairings = load_pairings(data_dir)
    lines = load_poverty_lines(poverty_lines_path or _poverty_lines_path(data_dir))
    _check_inputs(geography, villages, targets, lines)
    _check_pairings(villages, pairings)

    try:
        with store.session() as s:
            # Everything, the meta key included, in one transaction: a failed seed leaves nothing.
            if s.get(RegistryMeta, META_KEY) is None:
                _write(s, geography, villages, targets, lines, pairings)
                s.add(RegistryMeta(key=META_KEY, value=DEMO_SEED_VERSION))
                s.flush()
                return _summarize(s, written=True)
    except IntegrityError:
        if store.meta(META_KEY) is None:  # not a concurrent seed that won the race
            raise
    return summarize(store, written=False)


def summarize(store: RegistryStore, written: bool = False) -> SeedSummary:
    with store.session() as s:
        return _summarize(s, written)


def _summarize(s: Session, written: bool) -> SeedSummary:
    persons = dict(
        s.execute(
            select(Household.planned_exit_year, func.sum(Household.members))
            .where(Household.planned_exit_year.is_not(None))
            .group_by(Household.planned_exit_year)
        ).all()
    )
    national = dict(
        s.execute(
            select(Household.planned_exit_year, func.sum(Household.members))
            .where(Household.planned_exit_year.is_not(None), Household.nationally_defined.is_(True))
            .group_by(Household.planned_exit_year)
        ).all()
    )
    meta = s.get(RegistryMeta, META_KEY)
    return SeedSummary(
        version=meta.value if meta else "",
        written=written,
        townships=s.scalar(select(func.count()).select_from(Township)) or 0,
        villages=s.scalar(select(func.count()).select_from(Village)) or 0,
        households=s.scalar(select(func.count()).select_from(Household)) or 0,
        persons_by_year={int(y): int(n) for y, n in sorted(persons.items())},
        nationally_defined_persons_by_year={int(y): int(n) for y, n in sorted(national.items())},
        incomes=s.scalar(select(func.count()).select_from(HouseholdIncome)) or 0,
        officials=s.scalar(select(func.count()).select_from(OfficialPost)) or 0,
        statistics=s.scalar(select(func.count()).select_from(UnitStatistic)) or 0,
    )


def _check_inputs(
    geography: _Geography, villages: list[_VillageRow], targets: list[_Target], lines: dict[int, Decimal]
) -> None:
    township_ids = {t["id"] for t in geography.townships}
    seen: set[str] = set()
    for v in villages:
        if v.township_id not in township_ids:
            raise ValueError(f"village {v.id} names an unknown township {v.township_id!r}")
        if v.id in seen:
            raise ValueError(f"village {v.id} is listed twice")
        seen.add(v.id)
    for t in targets:
        if t.township_id not in township_ids:
            raise ValueError(f"household target names an unknown township {t.township_id!r}")
        if not 0 <= t.nationally_defined <= t.persons:
            raise ValueError(f"{t.township_id} {t.year}: 国定 {t.nationally_defined} not within 0..{t.persons}")
        if t.persons and not any(v.township_id == t.township_id for v in villages):
            raise ValueError(f"{t.township_id} has planned persons but no village")
        for year in (t.year - 1, t.year):
            if year not in lines:
                raise ValueError(f"no poverty line for {year}")
    for year in INCOME_YEARS:
        if year not in lines:
            raise ValueError(f"no poverty line for {year}")


def _check_pairings(villages: list[_VillageRow], pairings: dict[str, _Pairing]) -> None:
    poor = {v.id for v in villages if v.poor}
    for village_id in pairings:
        if village_id not in poor:
            raise ValueError(f"paired_departments.csv pairs {village_id}, which is not a 贫困村 of villages.csv")


# -- writing ------------------------------------------------------------------------------------


def _write(
    s: Session,
    geography: _Geography,
    villages: list[_VillageRow],
    targets: list[_Target],
    lines: dict[int, Decimal],
    pairings: dict[str, _Pairing],
) -> None:
    rng = random.Random(SEED)
    province, city, county = geography.province, geography.city, geography.county

    # The tables declare foreign keys but no relationships, so the unit of work does not order
    # inserts across tables: flush each level before the one that refers to it.
    s.add(Province(id=province["id"], name=province["name"]))
    s.flush()
    # 监督电话: demo office numbers, fictional (no Chinese local number begins with 000)
    s.add(City(id=city["id"], name=city["name"], province_id=province["id"], supervision_phone="0598-0009001"))
    s.flush()
    s.add(County(id=county["id"], name=county["name"], city_id=city["id"],
                 is_key_county=bool(county.get("is_key_county", False)), supervision_phone="0598-0000001"))
    s.flush()
    for n, t in enumerate(geography.townships, 1):
        s.add(Township(id=t["id"], name=t["name"], county_id=county["id"],
                       is_key_township=bool(t.get("is_key_township", False)), supervision_phone=f"0598-000{n + 1000:04d}"))
    s.flush()
    for v in villages:
        pairing = pairings.get(v.id)
        s.add(Village(
            id=v.id, name=v.name, township_id=v.township_id,
            is_poor_village=v.poor, is_hollow_village=v.hollow,
            poor_status="poor" if v.poor else None,
            hollow_status="poor" if v.hollow else None,
            paired_department=pairing.department if pairing else None,
            paired_department_source=pairing.source if pairing else None,
            synthetic=v.synthetic,
        ))
    s.flush()

    _add_officials(s, geography, villages)

    by_township: dict[str, list[_VillageRow]] = defaultdict(list)
    for v in villages:
        by_township[v.township_id].append(v)
    counters = _Counters()
    households: list[Household] = []
    incomes: list[HouseholdIncome] = []
    heads: list[OfficialPost] = []
    township_order = {t["id"]: i for i, t in enumerate(geography.townships)}
    for target in sorted(targets, key=lambda t: (township_order[t.township_id], t.year)):
        if target.persons <= 0:
            continue
        national_sizes = _household_sizes(rng, target.nationally_defined)
        other_sizes = _household_sizes(rng, target.persons - target.nationally_defined)
        candidates = by_township[target.township_id]
        weights = [
            _PLANNED_VILLAGE_WEIGHT if v.planned_exit_year == target.year else _OTHER_VILLAGE_WEIGHT
            for v in candidates
        ]
        for national, size in [(True, n) for n in national_sizes] + [(False, n) for n in other_sizes]:
            village = rng.choices(candidates, weights=weights, k=1)[0]
            household, rows, head = _make_household(rng, counters, village, target.year, size, national, lines)
            households.append(household)
            incomes.extend(rows)
            heads.append(head)
    s.add_all(households)
    s.flush()
    s.add_all(incomes)
    s.add_all(heads)
    s.flush()

    poor_persons: dict[str, int] = defaultdict(int)
    for h in households:
        poor_persons[h.village_id] += h.members
    s.add_all(_statistics(geography, villages, poor_persons))
    s.flush()


# -- unit statistics ----------------------------------------------------------------------------


def _stat(unit_id: str, year: int, indicator: str, value: Decimal) -> UnitStatistic:
    return UnitStatistic(
        unit_id=unit_id, year=year, indicator=indicator, value=value, source=STATISTICS_SOURCE, synthetic=True
    )


def _statistics(
    geography: _Geography, villages: list[_VillageRow], poor_persons: dict[str, int]
) -> list[UnitStatistic]:
    rng = random.Random(STATISTICS_SEED)
    province_id, city_id, county_id = geography.province["id"], geography.city["id"], geography.county["id"]
    rows: list[UnitStatistic] = []
    for year in VILLAGE_STAT_YEARS:
        rows.append(_stat(county_id, year, ind.RURAL_INCOME_PER_CAPITA, COUNTY_INCOME[year]))
        rows.append(_stat(province_id, year, ind.RURAL_INCOME_PER_CAPITA, PROVINCE_INCOME[year]))
    for v in villages:
        rows.extend(_village_statistics(rng, v, poor_persons.get(v.id, 0)))

    growth_units = [("city", city_id), ("county", county_id)] + [(t["id"], t["id"]) for t in geography.townships]
    for key, unit_id in growth_units:
        # A township missing from the table grows a little below the city.
        values = GROWTH_PCT.get(key) or tuple(str(Decimal(c) - _TENTH * 3) for c in GROWTH_PCT["city"])
        for year, value in zip(GROWTH_YEARS, values, strict=True):
            rows.append(_stat(unit_id, year, ind.RURAL_INCOME_GROWTH_PCT, Decimal(value)))

    service_units = [("province", province_id), ("city", city_id), ("county", county_id)] + [
        ("township", t["id"]) for t in geography.townships if t.get("is_key_township")
    ]
    for level, unit_id in service_units:
        for name in ind.SERVICE_INDICATORS:
            base, step = (Decimal(x) for x in SERVICE_PROVINCE[name])
            offset = Decimal(SERVICE_OFFSET[level])
            jitter = Decimal(0) if level == "province" else Decimal(str(round(rng.uniform(-0.3, 0.3), 1)))
            for i, year in enumerate(SERVICE_YEARS):
                value = min(base + step * i + offset + jitter, Decimal(100))
                rows.append(_stat(unit_id, year, name, value.quantize(_TENTH)))
    return rows


def _village_statistics(rng: random.Random, v: _VillageRow, poor: int) -> list[UnitStatistic]:
    planned = v.planned_exit_year is not None
    anchor = v.planned_exit_year if planned else PLANNED_LAST_YEAR

    # Rural population in the anchor year, sized so the village's poor persons are the wanted share.
    share = Decimal(str(round(rng.uniform(0.8, 1.9), 2)))
    # Keep villages with many poor persons near _POPULATION_CAP where a share up to 1.9 % allows it.
    share = max(share, min(_MAX_SHARE, (Decimal(poor * 100) / _POPULATION_CAP).quantize(_CENT, rounding=ROUND_HALF_UP)))
    floor = rng.randint(450, 800)
    if v.id == INCIDENCE_AT_LIMIT and poor:
        population = 50 * poor  # poor × 100 == 2 × population: exactly 2 %
    elif v.id in INCIDENCE_ABOVE_LIMIT and poor:
        population = int(poor * 100 / INCIDENCE_ABOVE_LIMIT[v.id])  # rounded down: at least that share
    else:
        population = max(math.ceil(Decimal(poor * 100) / share), floor)  # rounded up: at most that share

    # Per-capita income as a share of the county average, the same share every year.
    low, high = (0.83, 1.08) if planned else (0.85, 1.12)
    ratio = Decimal(str(round(rng.uniform(low, high), 3)))
    if v.id == INCOME_AT_COUNTY_SHARE:
        ratio = Decimal("0.8")
    elif v.id in INCOME_TOO_LOW:
        ratio = INCOME_TOO_LOW[v.id]
    elif v.id in PROVINCE_PATH_ONLY:
        ratio = Decimal(str(round(rng.uniform(0.74, 0.78), 3)))

    # Collective income: the anchor year's value; a 空壳村 was below 100,000 before its planned year.
    collective = Decimal(rng.randrange(105_000, 260_000, 100) if planned else rng.randrange(120_000, 350_000, 100))
    if v.id == COLLECTIVE_AT_LIMIT:
        collective = Decimal(100_000)
    elif v.id == COLLECTIVE_BELOW_LIMIT:
        collective = Decimal(99_999)
    hollow_before = Decimal(rng.randrange(60_000, 96_000, 100))

    rows = []
    for year in VILLAGE_STAT_YEARS:
        gap = anchor - year  # > 0 before the anchor year
        people = (Decimal(population) * (1 + _POPULATION_DRIFT * gap)).quantize(_YUAN, rounding=ROUND_HALF_UP)
        income = (COUNTY_INCOME[year] * ratio).quantize(_YUAN, rounding=ROUND_HALF_UP)
        if gap == 0:
            kept = collective
        elif gap < 0:
            kept = (collective * (1 + Decimal("0.06") * -gap)).quantize(_YUAN, rounding=ROUND_HALF_UP)
        elif v.hollow and planned:
            kept = (hollow_before * (1 - Decimal("0.1") * (gap - 1))).quantize(_YUAN, rounding=ROUND_HALF_UP)
        else:
            kept = (collective * (1 - Decimal("0.08") * gap)).quantize(_YUAN, rounding=ROUND_HALF_UP)
        rows += [
            _stat(v.id, year, ind.RURAL_POPULATION, people),
            _stat(v.id, year, ind.RURAL_INCOME_PER_CAPITA, income),
            _stat(v.id, year, ind.COLLECTIVE_INCOME, kept),
        ]
    return rows


def _household_sizes(rng: random.Random, persons: int) -> list[int]:
    sizes, remaining = [], persons
    population, weights = list(_SIZE_WEIGHTS), list(_SIZE_WEIGHTS.values())
    while remaining > 0:
        size = min(rng.choices(population, weights=weights, k=1)[0], remaining)
        sizes.append(size)
        remaining -= size
    return sizes


def _money(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _factor(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(str(round(rng.uniform(low, high), 4)))


def _above(rng: random.Random, line: Decimal) -> Decimal:
    return _money(line * _factor(rng, 1.08, 1.6))


def _below(rng: random.Random, line: Decimal) -> Decimal:
    return _money(line * _factor(rng, 0.7, 0.97))


def _make_household(
    rng: random.Random,
    counters: _Counters,
    village: _VillageRow,
    year: int,
    members: int,
    national: bool,
    lines: dict[int, Decimal],
) -> tuple[Household, list[HouseholdIncome], OfficialPost]:
    counters.head += 1
    counters.per_village[village.id] += 1
    household_id = f"{village.id}-h{counters.per_village[village.id]:03d}"
    serial = counters.head

    # Before Y-1 the household was below the line (it is registered poor); from Y-1 on above.
    incomes = {
        y: (_above(rng, lines[y]) if y >= year - 1 else _below(rng, lines[y])) for y in INCOME_YEARS
    }
    guarantees = dict.fromkeys(_GUARANTEES, True)
    if rng.random() < _INELIGIBLE_SHARE:
        kind = _INELIGIBLE_KINDS[counters.ineligible % len(_INELIGIBLE_KINDS)]
        counters.ineligible += 1
        if kind == "equal_line":
            incomes[year] = _money(lines[year])  # equal is not above
        elif kind == "below_year":
            incomes[year] = _below(rng, lines[year])
        elif kind == "below_previous_year":
            incomes[year - 1] = _below(rng, lines[year - 1])
        else:
            guarantees[rng.choice(_GUARANTEES)] = False

    head_name = f"示例户主{serial:04d}"
    household = Household(
        id=household_id,
        village_id=village.id,
        head_name=head_name,
        head_id_number=f"SYN-ID-{serial:06d}",
        phone=f"SYN-TEL-{serial:06d}",
        members=members,
        village_group=f"第{(counters.per_village[village.id] - 1) // 8 + 1}村民小组",  # demo: eight households a group
        nationally_defined=national,
        planned_exit_year=year,
        status="poor",
        synthetic=True,
        **guarantees,
    )
    rows = [HouseholdIncome(household_id=household_id, year=y, per_capita_income=amount) for y, amount in incomes.items()]
    head = _post(f"{household_id}-head", Role.household_head, household_id, head_name)
    return household, rows, head


def _post(official_id: str, role: Role, jurisdiction_id: str, name: str, person_id: str | None = None) -> OfficialPost:
    return OfficialPost(
        id=official_id, person_id=person_id or f"p-{official_id}", name=name,
        role=role.value, jurisdiction_id=jurisdiction_id, synthetic=True,
    )


def _add_officials(s: Session, geography: _Geography, villages: list[_VillageRow]) -> None:
    province, city, county = geography.province, geography.city, geography.county
    p, c, k = province["id"], city["id"], county["id"]
    pn, cn, kn = province["name"], city["name"], county["name"]
    city_short = cn.removesuffix("市")
    county_short = kn.removesuffix("县")
    s.add_all([
        _post(f"{p}-group", Role.province_group, p, f"示例·{pn}精准扶贫领导小组"),
        _post(f"{c}-group", Role.city_group, c, f"示例·{cn}精准扶贫领导小组"),
        _post(f"{c}-secretary", Role.city_secretary, c, f"示例·{city_short}市委书记"),
        _post(f"{c}-mayor", Role.city_mayor, c, f"示例·{cn}市长"),
        _post(f"{k}-group", Role.county_group, k, f"示例·{kn}精准扶贫领导小组"),
        _post(f"{k}-secretary", Role.county_secretary, k, f"示例·{county_short}县委书记"),
        _post(f"{k}-head", Role.county_head, k, f"示例·{kn}县长"),
    ])
    for t in geography.townships:
        kind = "镇" if t["name"].endswith("镇") else "乡"
        s.add_all([
            _post(f"{t['id']}-secretary", Role.township_secretary, t["id"], f"示例·{t['name']}党委书记"),
            _post(f"{t['id']}-head", Role.township_head, t["id"], f"示例·{t['name']}{kind}长"),
        ])
    for v in villages:
        label = f"{v.name}村"
        if v.id == SHARED_POST_VILLAGE:
            # 一肩挑: one person holds both the party-branch secretary and the director post.
            person = f"p-{v.id}-secretary"
            name = f"示例·{label}党支部书记兼村委会主任"
            secretary = _post(f"{v.id}-secretary", Role.village_secretary, v.id, name, person)
            director = _post(f"{v.id}-director", Role.village_director, v.id, name, person)
        else:
            secretary = _post(f"{v.id}-secretary", Role.village_secretary, v.id, f"示例·{label}党支部书记")
            director = _post(f"{v.id}-director", Role.village_director, v.id, f"示例·{label}村委会主任")
        s.add_all([
            secretary,
            director,
            _post(f"{v.id}-workteam", Role.work_team, v.id, f"示例·{label}驻村工作队"),
        ])
    s.flush()
