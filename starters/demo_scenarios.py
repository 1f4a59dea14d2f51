"""What `tuopin demo` does, step by step, for each exit type: who acts at which stage with which
record, in the order the policy sets (清委办〔2017〕25号; the stage tables of domain/procedures.py).
Pure data; starters/demo.py carries it out. Every step can be shown as the `tuopin` command a person
would type for it."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

from domain import indicators

DEMO_VILLAGE = "changxiao-shaping"  # 沙坪村, 长校镇
POOR_VILLAGE = "changxiao-hepai"  # 河排村: a 2017 贫困村 of attachment 2
KEY_TOWNSHIP = "linshe"  # 林畲乡: a key township
COUNTY = "qingliu"


@dataclass(frozen=True)
class Step:
    """One act: `open` (the first stage's record), `decide`, `consent`, or `notice` (wait for the
    public notice to close by itself)."""

    kind: str
    stage: str
    title: str  # what the policy calls it
    official: str = ""
    meeting: str | None = None
    record: dict[str, Any] = field(default_factory=dict)
    cli: tuple[str, ...] = ()  # the command's arguments after `tuopin`, with CASE for the case id

    def command(self, case_id: str) -> str:
        return "tuopin " + " ".join(shlex.quote(case_id if a == "CASE" else a) for a in self.cli)


@dataclass(frozen=True)
class Scenario:
    exit_type: str
    unit_id: str
    year: int
    title: str
    steps: tuple[Step, ...]
    designation: str | None = None


def _decide(stage: str, title: str, official: str, meeting: str | None = None, findings: bool = False) -> Step:
    cli = ["decide", "CASE", "approve", "--stage", stage, "--as", official]
    record: dict[str, Any] = {}
    if meeting:
        cli += ["--meeting", meeting]
    if findings:
        record = {"findings": {name: {"close": True, "note": "与平均水平相差不足2个百分点"} for name in indicators.SERVICE_INDICATORS}}
        for name in indicators.SERVICE_INDICATORS:
            cli += ["--indicator", f"{name}=close:与平均水平相差不足2个百分点"]
    return Step("decide", stage, title, official, meeting, record, tuple(cli))


def _notice(title: str) -> Step:
    return Step("notice", "notice", title, cli=("show", "CASE"))


def _county_approval() -> tuple[Step, ...]:
    return (
        _decide("county_approval", "县扶贫开发领导小组审定", f"{COUNTY}-group", "县扶贫领导小组会议〔2017〕3号"),
        _decide("county_approval", "县委常委会审批", f"{COUNTY}-secretary", "县委常委会〔2017〕12号"),
        _decide("county_approval", "县委常委会审批", f"{COUNTY}-head", "县委常委会〔2017〕12号"),
    )


def household(household_id: str) -> Scenario:
    meeting = "沙坪村民主评议〔2017〕2号"
    opening = Step(
        "open", "appraisal", "民主评议 (村两委提出)", f"{DEMO_VILLAGE}-secretary", meeting,
        {"held_on": "2017-03-01", "attendance": 42, "result": "一致同意拟退出"},
        ("open", "household", household_id, "--year", "2017", "--as", f"{DEMO_VILLAGE}-secretary", "--meeting", meeting,
         "--meeting-date", "2017-03-01", "--attendance", "42", "--result", "一致同意拟退出"),
    )
    return Scenario("household", household_id, 2017, "贫困户退出", (
        opening,
        _decide("verification", "村两委核实", f"{DEMO_VILLAGE}-director"),
        _decide("verification", "驻村工作队核实", f"{DEMO_VILLAGE}-workteam"),
        Step("consent", "verification", "拟退出贫困户认可", f"{household_id}-head",
             cli=("consent", "CASE", "--as", f"{household_id}-head")),
        _notice("村内公示 (无异议)"),
        _decide("township_review", "乡镇党委审核", "changxiao-secretary", "长校镇党委会议〔2017〕9号"),
        _decide("township_review", "乡镇政府审核", "changxiao-head", "长校镇党委会议〔2017〕9号"),
        *_county_approval(),
    ))


def village() -> Scenario:
    meeting = "长校镇党政班子会议〔2017〕11号"
    survey = {"held_on": "2017-10-09", "departments": "镇扶贫办、县农业局", "infrastructure": "道路硬化到组",
              "public_services": "卫生室达标", "industry": "茶叶", "collective_economy": "光伏收益"}
    opening = Step(
        "open", "survey", "乡镇调查核实并提出", "changxiao-secretary", meeting, survey,
        ("open", "village", POOR_VILLAGE, "--year", "2017", "--designation", "poor", "--as", "changxiao-secretary",
         "--meeting", meeting, "--surveyed-on", "2017-10-09", "--departments", survey["departments"],
         "--infrastructure", survey["infrastructure"], "--public-services", survey["public_services"],
         "--industry", survey["industry"], "--collective-economy", survey["collective_economy"]),
    )
    return Scenario("village", POOR_VILLAGE, 2017, "贫困村退出", (
        opening,
        _decide("survey", "乡镇政府签字确认 (党政主要领导)", "changxiao-head", meeting),  # 四.3: secretary and head
        _notice("乡镇、村公示 (无异议)"), *_county_approval(),
    ), designation="poor")


def _application(unit_type: str, unit_id: str, year: int, official: str, meeting: str) -> Step:
    record = {"held_on": f"{year}-10-08", "document_ref": f"申请〔{year}〕1号", "summary": "对照退出条件，申请退出"}
    return Step(
        "open", "application", "申请退出", official, meeting, record,
        ("open", unit_type, unit_id, "--year", str(year), "--as", official, "--meeting", meeting,
         "--applied-on", record["held_on"], "--document", record["document_ref"], "--summary", record["summary"]),
    )


def township() -> Scenario:
    city = "市委常委会〔2018〕30号"
    return Scenario("township", KEY_TOWNSHIP, 2018, "重点乡退出", (
        _application("township", KEY_TOWNSHIP, 2018, f"{KEY_TOWNSHIP}-head", "林畲乡党委会议〔2018〕5号"),
        _decide("county_assessment", "县扶贫开发领导小组评估", f"{COUNTY}-group", "县扶贫领导小组会议〔2018〕6号", findings=True),
        _decide("city_review", "市扶贫开发领导小组审核", "sanming-group", "市扶贫领导小组会议〔2018〕8号"),
        _notice("市公示 (无异议)"),
        _decide("city_approval", "市委常委会批准", "sanming-secretary", city),
        _decide("city_approval", "市委常委会批准", "sanming-mayor", city),
    ))


def county() -> Scenario:
    city = "市委常委会〔2019〕21号"
    return Scenario("county", COUNTY, 2019, "重点县退出", (
        _application("county", COUNTY, 2019, f"{COUNTY}-group", "县扶贫领导小组会议〔2019〕2号"),
        _decide("city_assessment", "市扶贫开发领导小组评估", "sanming-group", "市扶贫领导小组会议〔2019〕4号", findings=True),
        _decide("city_endorsement", "市委常委会同意", "sanming-secretary", city),
        _decide("city_endorsement", "市委常委会同意", "sanming-mayor", city),
        _decide("province_approval", "省扶贫开发领导小组批准", "fujian-group", "省扶贫领导小组会议〔2019〕4号"),
    ))
