"""A real household case on the time-skipping server, exported as its dossier: one objection
dismissed, one refused signature attempt; it verifies offline and prints as one HTML page."""

import asyncio
import json

import click
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from activities.registry.keys import keys_by_id
from domain.dossier import signature_count, signer_key_ids, verify_dossier
from domain.messages import DecisionCommand
from starters.dossier_commands import dossier, export_dossier, trace, trace_rows
from starters.dossier_html import render_html
from starters.signer import sign
from tests.support.driver import CG, CH, CS, TH, TS, VD, VS, WT, refused


async def _exited_case(driver, household: str):
    await driver.open(household)
    forged = sign(Ed25519PrivateKey.generate(), driver.case_id, "verification", driver.store.official(VD),
                  DecisionCommand(stage="verification", outcome="approve", official_id=VD))
    assert "SignatureRefused" in await refused(driver.raw_update("decide", forged))
    await driver.verify(household)
    assert (await driver.object(reason="有务工收入未计入")).objection_id == "O1"
    await driver.resolve("O1", "dismiss", official=VS, finding="入户核实，务工收入已计入")
    await driver.until(lambda s: len(s.notices) == 2 and s.current_notice() is not None)
    await driver.pass_notice()
    await driver.township()
    state = await driver.county()
    assert state.status == "exited" and len(state.refused_attempts) == 1
    return state


async def test_an_exited_case_exports_verifies_and_prints(driver, household, tmp_path):
    state = await _exited_case(driver, household)
    doc = await export_dossier(driver.client, driver.store, driver.case_id)

    assert verify_dossier(doc) == []
    registry = {k.key_id: k for k in keys_by_id(driver.store, signer_key_ids(doc))}
    assert verify_dossier(doc, registry) == []
    kinds = [x["kind"] for x in doc["entries"]]
    assert kinds[0] == "opened" and kinds[-1] == "closed"
    assert kinds.count("decision") == len(state.decisions) == 9
    assert kinds.count("notice") == 2 and kinds.count("objection") == 1 and kinds.count("refused_attempt") == 1
    assert kinds.count("announcement") == 2 and kinds.count("registry_change") == 1
    assert signature_count(doc) == 10
    assert all(x["data"]["postings"] and x["data"]["postings"][0]["body"] for x in doc["entries"] if x["kind"] == "notice")
    assert entry_of(doc, "registry_change")["registry_rows"][0]["case_id"] == driver.case_id
    assert "13800000000" not in json.dumps(doc, ensure_ascii=False)  # the objector's contact stays in the registry

    # as a file, read back: still intact; one byte changed: the entry is named
    path = tmp_path / "dossier.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    assert verify_dossier(json.loads(path.read_text(encoding="utf-8"))) == []
    forged = json.loads(path.read_text(encoding="utf-8").replace("入户核实，务工收入已计入", "入户核实，务工收入未计入", 1))
    objection = next(x for x in forged["entries"] if x["kind"] == "objection")
    assert any(p.seq == objection["seq"] and p.kind == "objection" for p in verify_dossier(forged))

    html = render_html(doc)
    (tmp_path / "dossier.html").write_text(html, encoding="utf-8")
    assert "http" not in html and "<script" not in html.lower() and "src=" not in html
    assert 'class="timeline"' in html and "@page { size: A4" in html
    for official in {d.official_id for d in state.decisions} | {VS}:
        assert official in html, official
    for name in {d.name for d in state.decisions}:
        assert name in html
    for stage in ("民主评议", "核实认可", "村内公示", "审核上报", "批准退出", "公告", "销号"):
        assert stage in html
    assert doc["head"] in html and "入户核实，务工收入已计入" in html
    assert "13800000000" not in html


def entry_of(doc, kind):
    return next(x["data"] for x in doc["entries"] if x["kind"] == kind)


async def test_export_and_trace_through_the_cli(driver, household, tmp_path):
    """`tuopin dossier CASE --format html --out F` and `dossier export CASE` against the test server."""
    await _exited_case(driver, household)

    @click.group()
    def cli() -> None:
        pass

    cli.add_command(dossier)
    cli.add_command(trace)
    target = driver.client.service_client.config.target_host
    common = ["--address", target, "--namespace", driver.client.namespace, "--registry-url", str(driver.store.engine.url)]
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, [*args, *common])

    out = tmp_path / "case.json"
    done = await asyncio.to_thread(invoke, "dossier", driver.case_id, "--out", str(out), "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["entries"] == len(json.loads(out.read_text(encoding="utf-8"))["entries"])
    verified = await asyncio.to_thread(invoke, "dossier", "verify", str(out))
    assert verified.exit_code == 0 and "chain intact, 10 signatures valid" in verified.stdout, verified.output
    assert "registry's keys" in verified.stdout

    page = tmp_path / "case.html"
    printed = await asyncio.to_thread(invoke, "dossier", "--format", "html", driver.case_id, "--out", str(page))
    assert printed.exit_code == 0, printed.output
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    explicit = await asyncio.to_thread(invoke, "dossier", "export", driver.case_id)
    assert explicit.exit_code == 0 and json.loads(explicit.stdout)["case_id"] == driver.case_id

    traced = await asyncio.to_thread(invoke, "trace", household)
    assert traced.exit_code == 0, traced.output
    assert "cannot list cases" in traced.stderr  # the time-skipping server has no visibility store
    for official in (VS, VD, WT, TS, TH, CG, CS, CH):
        assert official in traced.stdout
    as_json = json.loads((await asyncio.to_thread(invoke, "trace", household, "--json")).stdout)
    assert as_json["cases"] == [driver.case_id] and len(as_json["signatures"]) == 10

    rows = trace_rows(await driver.state())
    assert [(r["stage"], r["official_id"]) for r in rows if r["level"] == "county"] == [
        ("county_approval", CG), ("county_approval", CS), ("county_approval", CH)]
    assert {r["official_id"] for r in rows} >= {VS, VD, WT, TS, TH}


