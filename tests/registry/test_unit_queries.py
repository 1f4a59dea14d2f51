"""The frozen facts of village, key-township and key-county cases, read by SQL from a temporary registry.

贫困发生率 = members of the households still 'poor' in the unit's villages ÷ the sum of those villages'
rural_population figures of the exit year. Every figure is the exit year's own: 清委办〔2017〕25号 三(二)
"农民人均可支配收入达到所在县平均水平80%以上" compares a village's income with the county's of the same
year; a figure missing for that year refuses the opening, naming it and the year (never 0, never an
older year's).

The registry built here (every number chosen to sit on a boundary, or to flip a result if the query
counted the wrong rows or took the wrong year):

- 林畲乡 linshe (重点乡)
  - linshe-eligible (贫困村): 50 poor households, 49×4 + 1×3 = 199 persons; 10 exited households of 5
    (50 persons, which would make it 2.49%); rural population 2015: 5,000, 2016: 9,000, 2017: 10,000,
    2018: 4,000 → for 2017: 199 / 10,000 = 1.99%, eligible
  - linshe-boundary (贫困村, also a hollow village already exited): 40×5 = 200 poor persons over
    10,000 (2017) → exactly 2.00%, not eligible
- 长校镇 changxiao (重点乡): changxiao-a 150 / 5,000 (3%) and changxiao-b 50 / 5,000 (1%), plus an
  exited household of 1 in changxiao-b; changxiao-b has 4,000 for 2018 → for 2017 the township is
  200 / 10,000 = exactly 2.00%, met at or below 2%
- 李家乡 lijia (not a key township): lijia-x, 7 poor persons over 1,000
"""

from decimal import Decimal

import pytest

from activities.registry.schema import City, County, Household, Province, Township, UnitStatistic, Village
from activities.registry.store import RegistryStore
from activities.registry.unit_queries import figure, key_area_case_data, village_case_data
from domain import indicators as ind
from domain.criteria.figures import Figure, Incidence
from domain.criteria.key_area import evaluate_key_area
from domain.criteria.village import evaluate_village
from domain.refusals import FiguresMissing, UnitNotFound
from domain.units import UnitPath

PROVINCE, CITY, COUNTY = "fujian", "sanming", "qingliu"
LINSHE, CHANGXIAO, LIJIA = "linshe", "changxiao", "lijia"
ELIGIBLE, BOUNDARY = "linshe-eligible", "linshe-boundary"
CX_A, CX_B, LIJIA_X = "changxiao-a", "changxiao-b", "lijia-x"

SERVICE = list(ind.SERVICE_INDICATORS)

# (unit, indicator, year, value, source)
STATISTICS: list[tuple[str, str, int, str, str]] = [
    # linshe-eligible: the 2017 case must take 2017's population, not 2016's (2.21%) nor 2018's
    (ELIGIBLE, ind.RURAL_POPULATION, 2015, "5000", "林畲村2015年报"),
    (ELIGIBLE, ind.RURAL_POPULATION, 2016, "9000", "林畲村2016年报"),
    (ELIGIBLE, ind.RURAL_POPULATION, 2017, "10000", "林畲村2017年报"),
    (ELIGIBLE, ind.RURAL_POPULATION, 2018, "4000", "林畲村2018年报"),
    (ELIGIBLE, ind.RURAL_INCOME_PER_CAPITA, 2017, "8000", "林畲村2017年收入调查"),
    (ELIGIBLE, ind.COLLECTIVE_INCOME, 2017, "100000", "林畲村2017年财务报表"),
    (BOUNDARY, ind.RURAL_POPULATION, 2017, "10000", "石下村2017年报"),
    (BOUNDARY, ind.RURAL_INCOME_PER_CAPITA, 2017, "8000", "石下村2017年收入调查"),
    (BOUNDARY, ind.COLLECTIVE_INCOME, 2017, "100000", "石下村2017年财务报表"),
    (CX_A, ind.RURAL_POPULATION, 2017, "5000", "长校A村2017年报"),
    (CX_B, ind.RURAL_POPULATION, 2017, "5000", "长校B村2017年报"),
    (CX_B, ind.RURAL_POPULATION, 2018, "4000", "长校B村2018年报"),
    (LIJIA_X, ind.RURAL_POPULATION, 2017, "1000", "李家X村2017年报"),
    # averages: the county's 2017 figure (8,000 is exactly 80 %); its 2018 one (12,000) would fail 8,000
    (COUNTY, ind.RURAL_INCOME_PER_CAPITA, 2016, "9000", "清流县2016年统计公报"),
    (COUNTY, ind.RURAL_INCOME_PER_CAPITA, 2017, "10000", "清流县2017年统计公报"),
    (COUNTY, ind.RURAL_INCOME_PER_CAPITA, 2018, "12000", "清流县2018年统计公报"),
    (PROVINCE, ind.RURAL_INCOME_PER_CAPITA, 2017, "20000", "福建省2017年统计公报"),
    # growth: changxiao just above the city's, lijia equal to it, the county above it
    (CHANGXIAO, ind.RURAL_INCOME_GROWTH_PCT, 2017, "9.51", "长校镇2017年统计年报"),
    (LIJIA, ind.RURAL_INCOME_GROWTH_PCT, 2017, "9.50", "李家乡2017年统计年报"),
    (LINSHE, ind.RURAL_INCOME_GROWTH_PCT, 2017, "9.40", "林畲乡2017年统计年报"),
    (COUNTY, ind.RURAL_INCOME_GROWTH_PCT, 2017, "9.80", "清流县2017年统计公报"),
    (CITY, ind.RURAL_INCOME_GROWTH_PCT, 2017, "9.50", "三明市2017年统计公报"),
    (CITY, ind.RURAL_INCOME_GROWTH_PCT, 2018, "12.00", "三明市2018年统计公报"),
    # public services: changxiao, the county, the city and the province each with its own value
    *[
        (unit, name, 2017, value, f"{unit} 2017 {name}")
        for name in SERVICE
        for unit, value in ((CHANGXIAO, "95.5"), (LINSHE, "94.0"), (LIJIA, "95.0"), (COUNTY, "96.0"), (CITY, "96.5"),
                            (PROVINCE, "97.0"))
    ],
]


def _households(s, village_id: str, sizes: list[int], status: str = "poor", tag: str = "p") -> None:
    for n, members in enumerate(sizes, start=1):
        s.add(
            Household(
                id=f"{village_id}-{tag}{n:03d}",
                village_id=village_id,
                head_name="测试户主",
                members=members,
                food_and_clothing=True,
                compulsory_education=True,
                basic_medical_care=True,
                safe_housing=True,
                status=status,
                exited_year=2016 if status == "exited" else None,
                synthetic=True,
            )
        )


def build(store: RegistryStore) -> None:
    store.create_schema()
    with store.session() as s:
        # no ORM relationships: parents first, flushed level by level
        s.add(Province(id=PROVINCE, name="福建省"))
        s.flush()
        s.add(City(id=CITY, name="三明市", province_id=PROVINCE))
        s.flush()
        s.add(County(id=COUNTY, name="清流县", city_id=CITY, is_key_county=True, status="poor"))
        s.flush()
        s.add(Township(id=LINSHE, name="林畲乡", county_id=COUNTY, is_key_township=True, status="poor"))
        s.add(Township(id=CHANGXIAO, name="长校镇", county_id=COUNTY, is_key_township=True, status="poor"))
        s.add(Township(id=LIJIA, name="李家乡", county_id=COUNTY, is_key_township=False, status="poor"))
        s.flush()
        s.add(Village(id=ELIGIBLE, name="林畲", township_id=LINSHE, is_poor_village=True, poor_status="poor"))
        s.add(
            Village(
                id=BOUNDARY,
                name="石下",
                township_id=LINSHE,
                is_poor_village=True,
                poor_status="poor",
                is_hollow_village=True,
                hollow_status="exited",
            )
        )
        s.add(Village(id=CX_A, name="长校A", township_id=CHANGXIAO, is_poor_village=True, poor_status="poor"))
        s.add(Village(id=CX_B, name="长校B", township_id=CHANGXIAO, is_poor_village=True, poor_status="poor"))
        s.add(Village(id=LIJIA_X, name="李家X", township_id=LIJIA, is_poor_village=True, poor_status="poor"))
        s.flush()
        _households(s, ELIGIBLE, [4] * 49 + [3])  # 199 poor persons
        _households(s, ELIGIBLE, [5] * 10, status="exited", tag="x")  # 50 exited persons: must not count
        _households(s, BOUNDARY, [5] * 40)  # 200
        _households(s, CX_A, [5] * 30)  # 150
        _households(s, CX_B, [5] * 10)  # 50
        _households(s, CX_B, [1], status="exited", tag="x")  # 1 exited person: would make 2.01%
        _households(s, LIJIA_X, [4, 3])  # 7
        s.flush()
        for unit, indicator, year, value, source in STATISTICS:
            s.add(UnitStatistic(unit_id=unit, indicator=indicator, year=year, value=Decimal(value), source=source))


@pytest.fixture(scope="module")
def store(registry_url: str) -> RegistryStore:
    registry = RegistryStore.from_url(registry_url)
    build(registry)
    return registry


def lookup(store: RegistryStore, unit_id: str, indicator: str, year: int) -> Figure | None:
    with store.session() as s:
        return figure(s, unit_id, indicator, year)


# ================================================================================================
# The registry as built
# ================================================================================================


def test_the_registry_holds_what_the_test_relies_on(store):
    with store.session() as s:
        rows = s.query(Household.village_id, Household.status, Household.members).all()
    totals: dict[tuple[str, str], int] = {}
    for village_id, status, members in rows:
        totals[(village_id, status)] = totals.get((village_id, status), 0) + members
    assert totals == {
        (ELIGIBLE, "poor"): 199,
        (ELIGIBLE, "exited"): 50,
        (BOUNDARY, "poor"): 200,
        (CX_A, "poor"): 150,
        (CX_B, "poor"): 50,
        (CX_B, "exited"): 1,
        (LIJIA_X, "poor"): 7,
    }


# ================================================================================================
# Village cases
# ================================================================================================


def test_village_with_199_poor_persons_of_10000_is_at_1_99_percent_and_eligible(store):
    facts, path = village_case_data(store, ELIGIBLE, "poor", 2017)
    assert facts.incidence == Incidence(poor_persons=199, rural_population=10_000)
    assert facts.incidence.percent() == Decimal("1.99")
    report = evaluate_village(facts)
    assert report.met, report.failures()
    assert path == UnitPath(province_id=PROVINCE, city_id=CITY, county_id=COUNTY, township_id=LINSHE, village_id=ELIGIBLE)


def test_exited_households_do_not_count_as_poor_persons(store):
    """50 persons of exited households live in linshe-eligible; counting them would give 249 (2.49%)."""
    facts, _ = village_case_data(store, ELIGIBLE, "poor", 2017)
    assert facts.incidence.poor_persons == 199


def test_village_at_exactly_200_of_10000_is_not_eligible(store):
    facts, _ = village_case_data(store, BOUNDARY, "poor", 2017)
    assert facts.incidence == Incidence(poor_persons=200, rural_population=10_000)
    report = evaluate_village(facts)
    assert [c.name for c in report.checks if not c.met] == ["incidence"]


def test_village_facts_carry_the_registry_figures_with_year_and_source(store):
    facts, _ = village_case_data(store, ELIGIBLE, "poor", 2017)
    assert facts.village_id == ELIGIBLE and facts.township_id == LINSHE
    assert facts.designation == "poor" and facts.designated and facts.status == "poor"
    assert facts.rural_income_per_capita == Figure(value=Decimal(8000), year=2017, source="林畲村2017年收入调查")
    assert facts.collective_income == Figure(value=Decimal(100000), year=2017, source="林畲村2017年财务报表")
    assert facts.province_average_income == Figure(value=Decimal(20000), year=2017, source="福建省2017年统计公报")


def test_village_compares_the_county_average_of_the_exit_year_only(store):
    """三(二) "农民人均可支配收入达到所在县平均水平80%以上": the county has 2016 (9,000), 2017 (10,000) and
    2018 (12,000); a 2017 case compares 8,000 with 2017's 10,000 (exactly 80 %), and the report names 2017."""
    facts, _ = village_case_data(store, ELIGIBLE, "poor", 2017)
    assert facts.county_average_income == Figure(value=Decimal(10000), year=2017, source="清流县2017年统计公报")
    report = evaluate_village(facts, 2017)
    assert report.year == 2017
    income = next(c for c in report.checks if c.name == "income")
    assert income.met and "80.0% of the county average" in income.detail and "(2017, 清流县2017年统计公报)" in income.detail


def test_a_village_case_of_a_year_without_its_figures_is_refused_naming_each_and_the_year(store):
    """2018: the population (4,000) and the county's average are there, but not the village's income,
    the province's average nor the collective income: the opening is refused naming each and 2018; the
    2017 figures never stand in."""
    with pytest.raises(FiguresMissing) as refused:
        village_case_data(store, ELIGIBLE, "poor", 2018)
    text = str(refused.value)
    assert "no figure for 2018" in text
    for missing in (f"rural_income_per_capita of {ELIGIBLE}", f"rural_income_per_capita of {PROVINCE} (the province average)",
                    f"collective_income of {ELIGIBLE}"):
        assert missing in text
    # the figures 2018 has are not named: the village's population, the county's average
    assert f"rural_population of {ELIGIBLE}" not in text and f"of {COUNTY}" not in text


def test_a_missing_population_refuses_the_opening_and_never_counts_as_zero(store):
    """Only later figures exist before 2015: the population is missing for 2014, and the opening is refused."""
    with pytest.raises(FiguresMissing, match=f"no figure for 2014 of: rural_population of {ELIGIBLE} \\(rural population\\)"):
        village_case_data(store, ELIGIBLE, "poor", 2014)


def test_the_unit_checks_refuse_a_figure_of_another_year():
    """Defence in depth: facts frozen with a 2016 county average cannot pass a 2017 income check."""
    from domain.criteria.village import VillageFacts

    def fig(value: int, year: int) -> Figure:
        return Figure(value=Decimal(value), year=year, source="test")

    facts = VillageFacts(
        village_id=ELIGIBLE, township_id=LINSHE, designation="poor", designated=True, status="poor",
        incidence=Incidence(poor_persons=1, rural_population=1000), rural_income_per_capita=fig(9000, 2017),
        county_average_income=fig(10000, 2016), province_average_income=fig(12000, 2017),
        collective_income=fig(150000, 2017),
    )
    income = next(c for c in evaluate_village(facts, 2017).checks if c.name == "income")
    assert not income.met and "county_average is of 2016, not 2017" in income.detail


def test_village_designation_is_read_per_designation(store):
    hollow, _ = village_case_data(store, ELIGIBLE, "hollow", 2017)
    assert (hollow.designated, hollow.status) == (False, None)
    exited_hollow, _ = village_case_data(store, BOUNDARY, "hollow", 2017)
    assert (exited_hollow.designated, exited_hollow.status) == (True, "exited")
    assert not next(c for c in evaluate_village(exited_hollow).checks if c.name == "designated").met
    poor, _ = village_case_data(store, BOUNDARY, "poor", 2017)
    assert (poor.designated, poor.status) == (True, "poor")


# ================================================================================================
# Key township and key county cases
# ================================================================================================


def test_township_whose_villages_total_exactly_2_percent_meets_the_key_area_incidence(store):
    """150/5,000 (3%) + 50/5,000 (1%) = 200/10,000 = 2.00%: at or below 2%, met.

    Counting changxiao-b's exited household (201) or its 2018 population (9,000) would fail it."""
    facts, path = key_area_case_data(store, "township", CHANGXIAO, 2017)
    assert facts.incidence == Incidence(poor_persons=200, rural_population=10_000)
    incidence = next(c for c in evaluate_key_area(facts).checks if c.name == "incidence")
    assert incidence.met
    assert "= 2.00%" in incidence.detail
    assert path == UnitPath(province_id=PROVINCE, city_id=CITY, county_id=COUNTY, township_id=CHANGXIAO)


def test_township_facts_meet_every_criterion(store):
    facts, _ = key_area_case_data(store, "township", CHANGXIAO, 2017)
    assert facts.unit_type == "township" and facts.designated and facts.status == "poor"
    assert facts.income_growth_pct == Figure(value=Decimal("9.51"), year=2017, source="长校镇2017年统计年报")
    assert facts.city_income_growth_pct == Figure(value=Decimal("9.50"), year=2017, source="三明市2017年统计公报")
    report = evaluate_key_area(facts)
    assert report.met, report.failures()


def test_township_service_indicators_are_compared_with_the_city(store):
    facts, _ = key_area_case_data(store, "township", CHANGXIAO, 2017)
    assert set(facts.service_indicators) == set(SERVICE)
    for name, comparison in facts.service_indicators.items():
        assert comparison.title == ind.SERVICE_INDICATORS[name]
        assert comparison.value == Figure(value=Decimal("95.5"), year=2017, source=f"{CHANGXIAO} 2017 {name}")
        assert comparison.average == Figure(value=Decimal("96.5"), year=2017, source=f"{CITY} 2017 {name}")


def test_county_service_indicators_are_compared_with_the_province(store):
    """基本公共服务主要领域指标接近全省平均水平 for a key county."""
    facts, path = key_area_case_data(store, "county", COUNTY, 2017)
    for name, comparison in facts.service_indicators.items():
        assert comparison.value == Figure(value=Decimal("96.0"), year=2017, source=f"{COUNTY} 2017 {name}")
        assert comparison.average == Figure(value=Decimal("97.0"), year=2017, source=f"{PROVINCE} 2017 {name}")
    assert path == UnitPath(province_id=PROVINCE, city_id=CITY, county_id=COUNTY)


def test_county_income_growth_is_compared_with_the_city(store):
    """增长幅度高于全市平均水平 holds for the key county too (the city's, not the province's)."""
    facts, _ = key_area_case_data(store, "county", COUNTY, 2017)
    assert facts.income_growth_pct == Figure(value=Decimal("9.80"), year=2017, source="清流县2017年统计公报")
    assert facts.city_income_growth_pct == Figure(value=Decimal("9.50"), year=2017, source="三明市2017年统计公报")


def test_county_incidence_sums_every_village_of_every_township(store):
    facts, _ = key_area_case_data(store, "county", COUNTY, 2017)
    # 199 + 200 + 150 + 50 + 7 poor persons; 10,000 + 10,000 + 5,000 + 5,000 + 1,000 population
    assert facts.incidence == Incidence(poor_persons=606, rural_population=31_000)
    assert facts.unit_type == "county" and facts.designated
    assert evaluate_key_area(facts).met


def test_township_incidence_counts_only_its_own_villages(store):
    facts, _ = key_area_case_data(store, "township", LINSHE, 2017)
    assert facts.incidence == Incidence(poor_persons=399, rural_population=20_000)


def test_a_township_case_without_its_years_figures_is_refused_naming_them(store):
    """2018: 长校's growth, its service figures and the city's averages, and changxiao-a's population
    are missing for 2018 (changxiao-b's 2018 population and the city's 2018 growth are there)."""
    with pytest.raises(FiguresMissing) as refused:
        key_area_case_data(store, "township", CHANGXIAO, 2018)
    text = str(refused.value)
    assert "no figure for 2018" in text
    assert f"rural_population of {CX_A}" in text and f"rural_population of {CX_B}" not in text
    assert f"rural_income_growth_pct of {CHANGXIAO} (income growth)" in text
    assert f"rural_income_growth_pct of {CITY}" not in text
    assert text.count(" of ") == 12 + 1  # 1 population, 1 growth, 5 service values, 5 city averages; "figure for 2018 of"


def test_township_growth_equal_to_the_city_is_not_met(store):
    facts, _ = key_area_case_data(store, "township", LIJIA, 2017)
    assert not facts.designated
    failed = [c.name for c in evaluate_key_area(facts).checks if not c.met]
    assert "income_growth" in failed and "designated" in failed


def test_key_area_takes_the_city_growth_of_the_exit_year_not_a_later_one(store):
    """三(三) "农民人均可支配收入增长幅度高于全市平均水平": 2017's 9.51 against the city's 2017 9.50, not 2018's 12.00."""
    facts, _ = key_area_case_data(store, "township", CHANGXIAO, 2017)
    assert facts.city_income_growth_pct == Figure(value=Decimal("9.50"), year=2017, source="三明市2017年统计公报")
    assert evaluate_key_area(facts, 2017).year == 2017


# ================================================================================================
# figure(): the exit year's figure only
# ================================================================================================


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2014, None),  # only later figures exist: none is used
        (2015, (5000, 2015, "林畲村2015年报")),
        (2016, (9000, 2016, "林畲村2016年报")),
        (2017, (10000, 2017, "林畲村2017年报")),
        (2018, (4000, 2018, "林畲村2018年报")),
        (2025, None),  # never an older year's
    ],
)
def test_figure_takes_the_exit_years_figure_only(store, year, expected):
    found = lookup(store, ELIGIBLE, ind.RURAL_POPULATION, year)
    if expected is None:
        assert found is None
    else:
        value, at, source = expected
        assert found == Figure(value=Decimal(value), year=at, source=source)


def test_figure_is_per_unit_and_per_indicator(store):
    assert lookup(store, ELIGIBLE, ind.RURAL_INCOME_GROWTH_PCT, 2017) is None
    assert lookup(store, "no-such-unit", ind.RURAL_POPULATION, 2017) is None
    assert lookup(store, CX_A, ind.RURAL_POPULATION, 2017) == Figure(value=Decimal(5000), year=2017, source="长校A村2017年报")


# ================================================================================================
# Unknown units
# ================================================================================================


def test_an_unknown_village_raises_unit_not_found(store):
    with pytest.raises(UnitNotFound, match="no village 'nowhere'"):
        village_case_data(store, "nowhere", "poor", 2017)


def test_an_unknown_township_raises_unit_not_found(store):
    with pytest.raises(UnitNotFound, match="no township 'nowhere'"):
        key_area_case_data(store, "township", "nowhere", 2017)


def test_an_unknown_county_raises_unit_not_found(store):
    with pytest.raises(UnitNotFound, match="no county 'nowhere'"):
        key_area_case_data(store, "county", "nowhere", 2017)


def test_a_village_id_is_not_a_township(store):
    with pytest.raises(UnitNotFound):
        key_area_case_data(store, "township", ELIGIBLE, 2017)
    with pytest.raises(UnitNotFound):
        key_area_case_data(store, "county", LINSHE, 2017)
