"""What a 公示 says, so the villagers it is posted for can check it: who (the household head by name,
its village group and size, or the village / township by name), the figures the exit rests on
(income per person against the line and the 两不愁三保障 findings; for a village its incidence, income
and collective income), where it is posted, the dates, and the office phone (监督电话) to call with an
objection.

The particulars come from the registry through the worker (activities/notice_activities.py) when the
notice is issued and are kept in the case. Never an ID number or a phone of the household: the
particulars have no field for them, and the page says only what is listed here.
"""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from domain.county import TIME_ZONE
from domain.criteria.report import CriteriaReport

UNIT_WORD = {"household": "贫困户", "township": "重点乡", "county": "重点县"}
VILLAGE_WORD = {"poor": "贫困村", "hollow": "空壳村"}
GUARANTEE_ZH = {
    "food_and_clothing": "吃穿不愁",
    "compulsory_education": "义务教育有保障",
    "basic_medical_care": "基本医疗有保障",
    "safe_housing": "住房安全有保障",
}


class SupervisionPhone(BaseModel):
    """An office's 监督电话, as the registry lists it for the office's jurisdiction."""

    model_config = ConfigDict(frozen=True)

    office: str  # e.g. 长校镇人民政府
    phone: str


class NoticeParticulars(BaseModel):
    """The registry's part of a notice. For a household: its head's name (公示 names the household),
    village group and size; for any unit the names of the places; the offices' 监督电话; the poverty
    line of each income year shown."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    unit_name: str  # the household head's name, or the village / township / county name
    village_group: str | None = None  # 村民小组 (households)
    household_size: int | None = None  # 家庭人口 (households)
    village_name: str | None = None
    township_name: str | None = None
    county_name: str | None = None
    poverty_lines: dict[int, Decimal] = {}  # year -> yuan, the lines the household was measured against
    supervision_phones: tuple[SupervisionPhone, ...] = ()


class PostingPlace(BaseModel):
    """Where and when one scope's notice was physically posted, as its official recorded it."""

    model_config = ConfigDict(frozen=True)

    level: str
    jurisdiction_id: str
    place: str
    posted_at: datetime


def unit_word(exit_type: str, designation: str | None) -> str:
    return VILLAGE_WORD.get(designation or "", "贫困村") if exit_type == "village" else UNIT_WORD[exit_type]


def subject_lines(exit_type: str, designation: str | None, p: NoticeParticulars) -> list[tuple[str, str]]:
    """(label, value) rows naming who the notice is about."""
    where = "".join(x for x in (p.township_name, p.village_name) if x)
    if exit_type == "household":
        return [("户主姓名", p.unit_name), ("所在村、村民小组", f"{where} {p.village_group or '（未登记）'}"),
                ("家庭人口", f"{p.household_size} 人" if p.household_size else "（未登记）")]
    if exit_type == "village":
        return [("拟退出村", f"{p.township_name or ''}{p.unit_name}（{unit_word(exit_type, designation)}）")]
    return [(f"拟退出{UNIT_WORD[exit_type]}", p.unit_name)]


def checked_income_years(criteria: CriteriaReport | None, exit_year: int) -> set[int]:
    """The years whose income the exit rests on: those the criteria checked (income_YYYY, 稳定超过:
    the exit year and the years before it), else the exit year alone. The registry holds incomes of
    other years too (later ones among them); a notice shows none of those."""
    years = {int(c.name.removeprefix("income_")) for c in (criteria.checks if criteria else ())
             if c.name.startswith("income_") and c.name.removeprefix("income_").isdigit()}
    return years or {exit_year}


def figure_lines(exit_type: str, facts: dict, p: NoticeParticulars, years: set[int] | None = None) -> list[tuple[str, str]]:
    """(label, value) rows of the figures the exit rests on, from the facts the case froze; a
    household's incomes of `years` only (checked_income_years)."""
    rows: list[tuple[str, str]] = []
    if exit_type == "household":
        for year, income in sorted((int(y), Decimal(str(v))) for y, v in (facts.get("per_capita_income") or {}).items()):
            line = p.poverty_lines.get(year)
            if line is None or (years is not None and year not in years):
                continue
            verdict = "高于" if income > line else "未高于"
            rows.append((f"{year}年人均可支配收入", f"{income} 元，{verdict}当年扶贫标准 {line} 元"))
        for field, title in GUARANTEE_ZH.items():
            met = (facts.get("guarantees") or {}).get(field)
            rows.append((title, "已落实" if met else "未落实"))
    elif exit_type == "village":
        incidence = facts.get("incidence") or {}
        poor, rural = incidence.get("poor_persons"), incidence.get("rural_population")
        if rural:
            pct = (Decimal(poor) * 100 / Decimal(rural)).quantize(Decimal("0.01"))
            rows.append(("贫困发生率", f"{pct}%（未脱贫 {poor} 人 / 农业人口 {rural} 人），标准：低于2%"))
        for key, label, unit in (("rural_income_per_capita", "农民人均可支配收入", "元"),
                                 ("county_average_income", "全县农民人均可支配收入", "元"),
                                 ("province_average_income", "全省农民人均可支配收入", "元"),
                                 ("collective_income", "村级集体收入", "元")):
            fig = facts.get(key)
            if fig:
                rows.append((label, f"{fig['value']} {unit}（{fig['year']}年，{fig['source']}）"))
        rows.append(("标准", "农民人均可支配收入达全县平均80%以上或全省平均60%以上；村级收入10万元以上"))
    else:
        for key, value in sorted(facts.items()):
            if isinstance(value, dict) and "value" in value and "year" in value:
                rows.append((key, f"{value['value']}（{value['year']}年，{value.get('source', '')}）"))
    return rows


def local(at: datetime | None, zone: ZoneInfo = TIME_ZONE) -> str:
    return at.astimezone(zone).strftime("%Y年%m月%d日 %H:%M") if at else "____年__月__日"


def contact_lines(p: NoticeParticulars, responsible: str) -> list[str]:
    phones = "；".join(f"{x.office} {x.phone}" for x in p.supervision_phones) or "（监督电话未登记）"
    return [f"如有异议，请在公示期内向{responsible}反映，或拨打监督电话：{phones}。"]
