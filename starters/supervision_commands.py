"""`tuopin spotcheck start|finding|report|decide|show` (强化监督问责: the check, its findings, and the
township's report and county's decision on an adverse one), `tuopin registry register` (动态管理: 登记 of a
newly poor household; `reenter` and `enroll` refuse, naming `tuopin open enrollment`, the procedure that enrols)
and `tuopin registry buffer|supervision` (正向激励: the buffer period, and the households' flags).

Register with ``cli.add_command(spotcheck)`` and, on the ``registry`` group,
``registry.add_command(reenter)``, ``registry.add_command(enroll)``, ``registry.add_command(register)``,
``registry.add_command(buffer)``,
``registry.add_command(supervision)``. Import ``starters.cli`` before this module (the console
script does): it uses its ``common`` and ``signing`` decorators.
Exit codes: 0 done; 1 refused (the message names the rule); 2 usage; 3 server or registry unreachable.
"""

from datetime import date
from pathlib import Path
from typing import Any

import click

from activities.registry import supervision as registry
from domain.county import TIME_ZONE_NAME
from domain.reentry import GUARANTEES, NewHousehold, ReentryRecord
from domain.spot_check import SpotCheckState, is_check_id, summarize
from starters import render
from starters.cli_options import SAFE_ID, TEXT, common, run, say, signing
from starters.client import connect, require_case_worker, require_worker
from starters.errors import BadUsage, Refused, registry_call
from starters.supervision import (
    decide_referral,
    record_finding,
    register as register_household,
    report_referral,
    show_check,
    start_check,
    store_of,
    supervision_policy,
    today_local,
    valid,
)
from workers.settings import Settings

_DATE = click.DateTime(["%Y-%m-%d"])
VERDICTS = {"confirmed": "confirmed", "false-exit": "false_exit", "incomplete": "incomplete"}
CONCLUSIONS = {"false-exit": "false_exit", "incomplete": "incomplete"}
UNIT_TYPES = ["household", "village_poor", "village_hollow", "township"]


# -- spot checks ----------------------------------------------------------------------------------
@click.group("spotcheck")
def spotcheck() -> None:
    """督查抽查: the county leading group's spot checks of a year's exits (四.4 强化监督问责)."""


@spotcheck.command("start")
@common
@signing
@click.option("--year", type=click.IntRange(2014, 2100), required=True, help="The exit year whose exits are checked.")
@click.option("--percent", type=click.FloatRange(0, 100, min_open=True), required=True,
              help="How much of the year's exits to sample (rounded up to whole units).")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1),
              help="Seed of the sample (recorded in the check's id) [default: a random one].")
@click.option("--as", "official", required=True, help="A county_group official of the county.")
@click.option("--county", help="The county [default: the official's].")
@click.option("--remind-after-days", type=click.IntRange(1, 366),
              help="Remind the verifiers after this many days without all findings, and again every as many "
                   "[default: rules.json spot_check.remind_after_days, 30].")
def start(settings: Settings, as_json: bool, year: int, percent: float, seed: int | None, official: str,
          county: str | None, remind_after_days: int | None, key_file: Path | None) -> None:
    """Draw a reproducible sample of the year's exits and assign its verifiers (prints the check id)."""

    async def go() -> SpotCheckState:
        client = await connect(settings)
        await require_worker(client, settings.task_queue, "nothing was sent")
        return await start_check(client, settings, year, percent, official, seed, county, remind_after_days, key_file)

    state = run(go())
    say(as_json, check_document(state), f"{state.check_id}\n{_headline(state)}")


@spotcheck.command("finding")
@common
@signing
@click.argument("check")
@click.argument("unit")
@click.argument("verdict", type=click.Choice(sorted(VERDICTS)))
@click.option("--as", "official", required=True, help="The verifier (a county_group official of the county).")
@click.option("--note", type=TEXT, required=True, help="What the check found.")
@click.option("--unit-type", type=click.Choice(UNIT_TYPES),
              help="Only when a village is sampled both as 贫困村 and as 空壳村.")
def finding(settings: Settings, as_json: bool, check: str, unit: str, verdict: str, official: str, note: str,
            unit_type: str | None, key_file: Path | None) -> None:
    """Record the finding on UNIT: confirmed; false-exit (不符合条件: the criteria were not met) or
    incomplete (未完整履行退出程序: a step was left undone). An adverse finding changes nothing yet: it is
    referred to the unit's township (核查处理), and the officials who signed the exit are named."""
    _check_id(check)

    async def go() -> Any:
        client = await connect(settings)
        await require_case_worker(client, check, "nothing was sent")
        ack = await record_finding(client, settings, check, unit, VERDICTS[verdict], official, note, unit_type, key_file)
        return ack, await show_check(client, check)

    ack, state = run(go())
    lines = [f"recorded: {ack.unit_id} {verdict} — {state.check_id} is {state.status}, {ack.units_outstanding} outstanding"]
    entry = next((e for e in state.sample if e.unit_id == ack.unit_id and e.unit_type == ack.unit_type), None)
    if entry is not None and entry.referral is not None:
        lines.append(f"referred to {entry.referral.township_id} for 核查处理: its party secretary and head report "
                     f"(`tuopin spotcheck report {state.check_id} {ack.unit_id} ...`)")
    if ack.signers:
        lines.append("signed the exit:")
        lines += [f"  {s.stage:16} {s.role:20} {s.official_id} ({s.name}, {s.person_id}) {render._local(s.at)}"
                  for s in ack.signers]
    say(as_json, {"ack": ack.model_dump(mode="json"), "check": check_document(state)}, "\n".join(lines))


_UNIT_TYPE = click.option("--unit-type", type=click.Choice(UNIT_TYPES),
                          help="Only when a village is sampled both as 贫困村 and as 空壳村.")
_STEPS = click.option("--steps", default="", metavar="STAGE,...",
                      help="The exit's steps left undone / to redo, by stage id (e.g. verification,notice).")


def _steps(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@spotcheck.command("report")
@common
@signing
@click.argument("check")
@click.argument("unit")
@click.argument("conclusion", type=click.Choice(sorted(CONCLUSIONS)))
@click.option("--as", "official", required=True, help="The township_secretary or township_head of the unit's township.")
@click.option("--meeting", "meeting_ref", type=TEXT, required=True, help="The township party committee and government's meeting.")
@click.option("--finding", type=TEXT, required=True, help="What the township's 核查 found.")
@_STEPS
@_UNIT_TYPE
def report(settings: Settings, as_json: bool, check: str, unit: str, conclusion: str, official: str, meeting_ref: str,
           finding: str, steps: str, unit_type: str | None, key_file: Path | None) -> None:
    """The township's report (核查) on a referred UNIT: false-exit (criteria not met) or incomplete (with
    --steps left undone). Its party secretary and its head both sign the same report."""
    _check_id(check)

    async def go() -> Any:
        client = await connect(settings)
        await require_case_worker(client, check, "nothing was sent")
        return await report_referral(client, settings, check, unit, CONCLUSIONS[conclusion], official,
                                     meeting_ref, finding, _steps(steps), unit_type, key_file)

    ack = run(go())
    say(as_json, ack.model_dump(mode="json"), _referral_text(ack))


@spotcheck.command("decide")
@common
@signing
@click.argument("check")
@click.argument("unit")
@click.argument("ruling", type=click.Choice(["reverse", "redo"]))
@click.option("--as", "official", required=True, help="The county_secretary or county_head.")
@click.option("--meeting", "meeting_ref", type=TEXT, required=True, help="The county party committee and government's meeting.")
@click.option("--note", type=TEXT, required=True, help="The decision's reasons.")
@_STEPS
@_UNIT_TYPE
def decide(settings: Settings, as_json: bool, check: str, unit: str, ruling: str, official: str, meeting_ref: str,
           note: str, steps: str, unit_type: str | None, key_file: Path | None) -> None:
    """The county's decision (处理) on the township's report: reverse the exit (虚假脱贫) or redo the
    --steps named (the exit stands). The county party secretary and county head both sign it."""
    _check_id(check)

    async def go() -> Any:
        client = await connect(settings)
        await require_case_worker(client, check, "nothing was sent")
        return await decide_referral(client, settings, check, unit, ruling, official, meeting_ref,
                                     note, _steps(steps), unit_type, key_file)

    ack = run(go())
    say(as_json, ack.model_dump(mode="json"), _referral_text(ack))


def _referral_text(ack: Any) -> str:
    lines = [f"{ack.unit_id}: referral {ack.status}"
             + (f"; awaiting {', '.join(ack.awaiting)}" if ack.awaiting else "")]
    change = ack.registry_change
    if change:
        if change.get("reversed"):
            lines.append(f"registry: {change['unit_type']} {change['unit_id']} {change['from_status']} → "
                         f"{change['to_status']} (exit {change['reversed_case_id']} reversed, 虚假脱贫)")
        elif change.get("redo"):
            lines.append(f"registry: the exit stands; to redo: {', '.join(change['steps'])}")
        else:
            lines.append(f"registry: {change.get('note')}")
    return "\n".join(lines)


@spotcheck.command("show")
@common
@click.argument("check")
def show(settings: Settings, as_json: bool, check: str) -> None:
    """The check's sample, verifiers, findings, reminders and summary (wrongful-exit rate, checked, outstanding)."""
    _check_id(check)

    async def go() -> SpotCheckState:
        client = await connect(settings)
        await require_case_worker(client, check, "no one can answer for the check")
        return await show_check(client, check)

    state = run(go())
    say(as_json, check_document(state), check_text(state))


def _check_id(value: str) -> None:
    if not is_check_id(value):
        raise BadUsage(f"{value!r} is not a spot-check id (spot-check/<county>/<year>/<seed>)")


def check_document(state: SpotCheckState) -> dict[str, Any]:
    doc = state.model_dump(mode="json", exclude={"in_flight", "used_signatures"})
    doc["summary"] = summarize(state).model_dump(mode="json")
    return doc


def _headline(state: SpotCheckState) -> str:
    s = summarize(state)
    rate = "-" if s.wrongful_exit_rate is None else f"{s.wrongful_exit_rate:.1%}"
    return (f"{state.status}: sampled {s.units_sampled} of {s.exits_total} exits of {state.year} in {state.county_id} "
            f"({state.percent:g}%, seed {state.seed}); checked {s.units_checked}, outstanding {s.units_outstanding}, "
            f"false exits {s.false_exits}, incomplete {s.incomplete}, wrongful-exit rate {rate}; referrals open "
            f"{s.referrals_open}, reversed {len(s.reversed_units)}, redo {len(s.redo_units)}")


def check_text(state: SpotCheckState) -> str:
    lines = [f"check     {state.check_id}", f"started   {render._local(state.started_at)} by {state.initiator_id}",
             _headline(state)]
    if state.reason:
        lines.append(f"reason    {state.reason}")
    rows = [
        {"unit": e.unit_id, "type": e.unit_type, "exit case": e.case_id, "verifier": e.verifier_id or "-",
         "independent": "yes" if e.independent_verifier else "NO",
         "finding": e.finding.verdict if e.finding else "-", "by": e.finding.official_id if e.finding else "",
         "referral": e.referral.status if e.referral else ""}
        for e in state.sample
    ]
    if rows:
        lines.append(render.table_text(rows, ["unit", "type", "exit case", "verifier", "independent", "finding", "by",
                                              "referral"]))
    for e in state.sample:
        if e.finding and e.finding.verdict != "confirmed":
            who = "; ".join(f"{s.stage} {s.role} {s.official_id}" for s in e.signers) or (e.trace_note or "unknown")
            word = "false exit" if e.finding.verdict == "false_exit" else "incomplete"
            lines.append(f"{word} {e.unit_id} ({e.case_id}): {e.finding.note} — signed by: {who}")
        r = e.referral
        if r is not None:
            line = f"  referral to {r.township_id}: {r.status}"
            if r.report_signers:
                line += f"; report {r.conclusion} ({r.report_meeting_ref}) by {', '.join(x.official_id for x in r.report_signers)}"
            if r.decision_signers:
                line += f"; decision {r.ruling} ({r.decision_meeting_ref}) by {', '.join(x.official_id for x in r.decision_signers)}"
            if r.redo_steps:
                line += f"; redo {', '.join(r.redo_steps)}"
            lines.append(line)
    for r in state.reminders:
        lines.append(f"reminder #{r.round} {render._local(r.at)} to {', '.join(r.recipients)} ({len(r.units)} units)")
    return "\n".join(lines)


# -- 登记 of a newly poor household; enrolment (新增 / 返贫) is a case: `tuopin open enrollment` ----------
def _record_text(r: ReentryRecord) -> str:
    return (f"{r.reentry_id}: {r.household_id} registered as a candidate (登记, not yet poor); signed by "
            f"{r.official_id} ({r.role}), evidence sha256 {r.evidence_sha256}. Enrol it with `tuopin open enrollment "
            f"{r.household_id} --reason newly-poor ...` (民主评议, notice, township review, county approval).")


_EVIDENCE = click.option("--evidence", "evidence_file", required=True,
                         type=click.Path(exists=True, dir_okay=False, path_type=Path),
                         help="The evidence file (its SHA-256 is recorded and signed; the file is not stored).")
_NOT_ALONE = ("one village official's signature no longer enrols a household: enrolment (新增 / 返贫) runs its own "
              "procedure (民主评议, 7-day notice, township review, county approval). ")


def _refuse_alone(command: str, what: str) -> None:
    raise Refused(f"`tuopin registry {command}` is withdrawn: {_NOT_ALONE}{what}", kind="EnrollmentProcedureRequired")


@click.command("reenter", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def reenter(args: tuple[str, ...]) -> None:
    """Withdrawn: a returned household is enrolled by `tuopin open enrollment HOUSEHOLD --reason returned`."""
    _refuse_alone("reenter", "Open it with `tuopin open enrollment HOUSEHOLD --year Y --reason returned --as "
                  "VILLAGE_OFFICIAL --meeting REF --meeting-date D --attendance N --result T`.")


@click.command("enroll", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def enroll(args: tuple[str, ...]) -> None:
    """Withdrawn: register a newly poor household (`tuopin registry register`), then `tuopin open enrollment`."""
    _refuse_alone("enroll", "Register the household's data with `tuopin registry register HOUSEHOLD ...`, then open "
                  "`tuopin open enrollment HOUSEHOLD --year Y --reason newly-poor --as VILLAGE_OFFICIAL --meeting REF ...`.")


@click.command("register")
@common
@signing
@click.argument("household")
@click.option("--village", required=True)
@click.option("--members", type=click.IntRange(1, 50), required=True)
@click.option("--head-name", type=TEXT, required=True, help="Kept in the registry only; never printed.")
@click.option("--income", "incomes", multiple=True, metavar="YEAR=YUAN", help="Per-capita income of a year.")
@click.option("--lacking", multiple=True, type=click.Choice(GUARANTEES), help="A guarantee of 两不愁三保障 not met.")
@click.option("--reason", type=TEXT, required=True, help="Why the household is poor.")
@_EVIDENCE
@click.option("--as", "official", required=True, help="The village_secretary or village_director of the village.")
def register(settings: Settings, as_json: bool, household: str, village: str, members: int, head_name: str,
             incomes: tuple[str, ...], lacking: tuple[str, ...], reason: str, evidence_file: Path, official: str,
             key_file: Path | None) -> None:
    """登记: record a newly poor HOUSEHOLD's data as a candidate (not poor until its enrolment case)."""
    if not SAFE_ID.match(household) or "/" in household:
        raise BadUsage(f"{household!r} is not a household id")
    income: dict[int, str] = {}
    for pair in incomes:
        year, sep, yuan = pair.partition("=")
        if not sep or not year.isdigit():
            raise BadUsage(f"--income takes YEAR=YUAN, not {pair!r}")
        income[int(year)] = yuan
    try:
        [float(v) for v in income.values()]
    except ValueError:
        raise BadUsage("--income amounts must be numbers of yuan") from None
    new = valid(NewHousehold, village_id=village, members=members, head_name=head_name, per_capita_income=income,
                lacking=tuple(lacking))
    record = register_household(settings, household, new, reason, evidence_file, official, key_file)
    say(as_json, record.model_dump(mode="json"), _record_text(record))


# -- listings: the buffer period (摘帽不摘政策) and the households' flags ----------------------------
_TODAY = click.option("--today", type=_DATE, help=f"The day to judge the buffer period on [default: today, {TIME_ZONE_NAME}].")


def _day(value: Any) -> date:
    return value.date() if value is not None else today_local()


@click.command("buffer")
@common
@_TODAY
@click.option("--township")
def buffer(settings: Settings, as_json: bool, today: Any, township: str | None) -> None:
    """Every unit exited now and whether it is in its buffer period (support kept until support_buffer_until)."""
    rule = supervision_policy(settings).buffer
    store = store_of(settings)
    rows = registry_call(lambda: registry.units_in_buffer(store, rule, _day(today), township))
    say(as_json, rows, render.table_text(rows, ["unit_type", "unit_id", "township_id", "exited_on", "support_until", "in_buffer"]))


@click.command("supervision")
@common
@_TODAY
@click.option("--township")
@click.option("--village")
@click.option("--status", type=click.Choice(["poor", "exited"]))
def supervision(settings: Settings, as_json: bool, today: Any, township: str | None, village: str | None,
                status: str | None) -> None:
    """Households with their buffer period, false-exit flag (虚假脱贫, with the check) and re-entries."""
    rule = supervision_policy(settings).buffer
    store = store_of(settings)
    rows = registry_call(lambda: registry.households_supervised(store, rule, _day(today), township, village, status))
    say(as_json, rows, render.table_text(rows, [
        "household_id", "village_id", "status", "exited_year", "in_buffer", "false_exit_check_id", "reentries"]))
