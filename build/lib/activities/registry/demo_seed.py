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

Officials: every role of SPEC.md. Per village ``<village_id>-secretary`` / ``-director`` /
``-workteam``; per township ``<township>-secretary`` / ``-head``; ``qingliu-group``,
``qingliu-secretary``, ``qingliu-head``; ``sanming-group``, ``sanming-secretary``,
``sanming-mayor``; ``fujian-group``; per household ``<household_id>-head`` (role household_head,
jurisdiction = the household). Each post is held by its own person (``p-<official_id>``), except
in one village: **in 河排 (``changxiao-hepai``) the village party secretary is also the villagers'
committee director (一肩挑)** — ``changxiao-hepai-secretary`` and ``changxiao-hepai-director`` share
the person id ``p-changxiao-hepai-secretary``, so the rule "the same person may not fill two
required signatures of one step" can be exercised on real demo data.

Deterministic (``random.Random(2017)``) and idempotent: the seed writes everything in one
transaction together with ``registry_meta['demo_seed'] = DEMO_SEED_VERSION``; when that key is
present, ``seed_demo`` writes nothing and returns the summary of what is there.
"""

from __future__ import annotations

import csv
import json
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
    Village,
)
from activities.registry.store import RegistryStore
from domain.poverty_line import PovertyLineTable
from domain.roles import Role

DEMO_SEED_VERSION = "qingliu-demo-v1"
META_KEY = "demo_seed"
SEED = 2017
INCOME_YEARS = (2015, 2016, 2017, 2018)
SHARED_POST_VILLAGE = "changxiao-hepai"  # 一肩挑: secretary and director are one person

_REPO_DATA = Path(__file__).resolve().parents[2] / "data"
DEFAULT_DATA_DIR = _REPO_DATA / "qingliu"

# Household sizes 1..6, typical 3–4 (mean ≈ 3.25 persons).
_SIZE_WEIGHTS = {1: 10, 2: 18, 3: 30, 4: 26, 5: 11, 6: 5}
_PLANNED_VILLAGE_WEIGHT = 6  # villages planned to exit in the household's year
_OTHER_VILLAGE_WEIGHT = 1
_INELIGIBLE_SHARE = 0.08
# Cycled over the ineligible households so each kind occurs (≥ 3 "equal" among ~45).
_INELIGIBLE_KINDS = ("equal_line", "below_year", "below_previous_year", "guarantee")
_GUARANTEES = ("food_and_clothing", "compulsory_education", "basic_medical_care", "safe_housing")
_CENT = Decimal("0.01")


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
    if not (data_dir / "geography.json").exists() and (data_dir / "qingliu" / "geography.json").exists():
        data_dir = data_dir / "qingliu"  # given the repository's data/ directory
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
    return {line.year: line.yuan for line in table.lines}


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
    lines = load_poverty_lines(poverty_lines_path or _poverty_lines_path(data_dir))
    _check_inputs(geography, villages, targets, lines)

    try:
        with store.session() as s:
            # Everything, the meta key included, in one transaction: a failed seed leaves nothing.
            if s.get(RegistryMeta, META_KEY) is None:
                _write(s, geography, villages, targets, lines)
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


# -- writing ------------------------------------------------------------------------------------


def _write(
    s: Session,
    geography: _Geography,
    villages: list[_VillageRow],
    targets: list[_Target],
    lines: dict[int, Decimal],
) -> None:
    rng = random.Random(SEED)
    province, city, county = geography.province, geography.city, geography.county

    # The tables declare foreign keys but no relationships, so the unit of work does not order
    # inserts across tables: flush each level before the one that refers to it.
    s.add(Province(id=province["id"], name=province["name"]))
    s.flush()
    s.add(City(id=city["id"], name=city["name"], province_id=province["id"]))
    s.flush()
    s.add(County(id=county["id"], name=county["name"], city_id=city["id"],
                 is_key_county=bool(county.get("is_key_county", False))))
    s.flush()
    for t in geography.townships:
        s.add(Township(id=t["id"], name=t["name"], county_id=county["id"],
                       is_key_township=bool(t.get("is_key_township", False))))
    s.flush()
    for v in villages:
        s.add(Village(
            id=v.id, name=v.name, township_id=v.township_id,
            is_poor_village=v.poor, is_hollow_village=v.hollow,
            poor_status="poor" if v.poor else None,
            hollow_status="poor" if v.hollow else None,
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
