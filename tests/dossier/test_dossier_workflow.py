"""A real household case on the time-skipping server, exported as its dossier: one objection
dismissed, one forged decision refused; it verifies offline against the administrator's root alone
(its order anchored by the worker's service key), agrees with the final head the registry kept at
销号, and prints as one HTML page."""

import asyncio
import json

import click
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from activities.registry.case_heads import final_heads
from activities.registry.keys import revocations_by_id
from codec.keyring import KeyRing
from domain.dossier import signature_count, signer_key_ids, verify_dossier
from domain.messages import DecisionCommand
from starters.dossier_commands import dossier, export_dossier, trace, trace_rows
from starters.dossier_html import render_html
from starters.signer import sign
from tests.support.driver import CG, CH, CS, TH, TS, VD, VS, WT, refused
from workers.trust import ROOT_FILE, read_root

from .conftest import TestRoot


async def _exited_case(driver, household: str):
    await driver.open(household)
    # a decision signed with a key a root of the forger's own certified: refused by the validator
    forger, key = TestRoot(), Ed25519PrivateKey.generate()
    state = await driver.state()
    await driver.signing_at_server_time()
    forged = sign(key, forger.certify(key, driver.store.official(VD)), driver.case_id, "verification",
                  state.pass_id or "", DecisionCommand(stage="verification", outcome="approve", official_id=VD))
    assert "not certified" in await refused(driver.raw_update("decide", forged))
    await driver.verify(household)
    assert (await driver.object(reason="有务工收入未计入")).objection_id == "O1"
    await driver.resolve("O1", "dismiss", official=VS, finding="入户核实，务工收入已计入")
    await driver.until(lambda s: len(s.notices) == 2 and s.current_notice() is not None)
    await driver.pass_notice()
    await driver.township()
    state = await driver.county()
    assert state.status == "exited"
    return state


async def test_an_exited_case_exports_verifies_and_prints(driver, household, tmp_path):
    state = await _exited_case(driver, household)
    doc = await export_dossier(driver.client, driver.store, driver.case_id)
    root = read_root(driver.settings.trust_dir)

    assert verify_dossier(doc, root) == [], verify_dossier(doc, root)
    heads = final_heads(driver.store, [driver.case_id])
    assert verify_dossier(doc, root, revocations_by_id(driver.store, signer_key_ids(doc)), heads) == []
    assert verify_dossier(doc, TestRoot().public) != []  # against another root nothing verifies
    # anchored as each notice was posted and closed (two windows; the second closed with nothing new
    # since its posting, which the anchor taken then already covers), and at 销号, where the registry kept it
    anchors = [a["statement"] for a in doc["anchors"]]
    assert [a["final"] for a in anchors] == [False] * 3 + [True]
    assert heads[driver.case_id].statement.model_dump(mode="json") == anchors[-1]
    assert anchors[-1]["count"] == len(doc["entries"])
    kinds = [x["kind"] for x in doc["entries"]]
    assert kinds[0] == "opened" and kinds[-1] == "closed"
    assert kinds.count("decision") == len(state.decisions) == 10  # the posting of the notice is a signed decision too
    assert kinds.count("notice") == 2 and kinds.count("objection") == 1
    assert kinds.count("announcement") == 2 and kinds.count("registry_change") == 1
    assert signature_count(doc) == 11
    assert all(x["data"]["postings"] and x["data"]["postings"][0]["body"] for x in doc["entries"] if x["kind"] == "notice")
    assert entry_of(doc, "registry_change")["registry_rows"][0]["case_id"] == driver.case_id
    assert "13800000000" not in json.dumps(doc, ensure_ascii=False)  # the objector's contact stays in the registry

    # as a file, read back: still intact; one byte changed: the entry is named
    path = tmp_path / "dossier.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    assert verify_dossier(json.loads(path.read_text(encoding="utf-8")), root) == []
    forged = json.loads(path.read_text(encoding="utf-8").replace("入户核实，务工收入已计入", "入户核实，务工收入未计入", 1))
    objection = next(x for x in forged["entries"] if x["kind"] == "objection")
    assert any(p.seq == objection["seq"] and p.kind == "objection" for p in verify_dossier(forged, root))

    html = render_html(doc)
    (tmp_path / "dossier.html").write_text(html, encoding="utf-8")
    assert "http" not in html and "src=" not in html
    # the one script element is the JSON dossier it carries, a data block a browser never runs
    assert html.lower().count("<script") == 1 and '<script type="application/json" id="tuopin-dossier">' in html
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
    KeyRing.load_or_create(tmp_path / "codec-keys.json")  # a home with its codec key ring, as a worker's is
    common = ["--address", target, "--namespace", driver.client.namespace, "--registry-url", str(driver.store.engine.url),
              "--home", str(tmp_path)]
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, [*args, *common])

    out = tmp_path / "case.json"
    done = await asyncio.to_thread(invoke, "dossier", driver.case_id, "--out", str(out), "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["entries"] == len(json.loads(out.read_text(encoding="utf-8"))["entries"])
    root_file = str(driver.settings.trust_dir / ROOT_FILE)
    verified = await asyncio.to_thread(invoke, "dossier", "verify", str(out), "--root", root_file)
    assert verified.exit_code == 0 and "chain intact, 11 signatures valid" in verified.stdout, verified.output
    assert "up to the close" in verified.stdout and "the final head it keeps compared" in verified.stdout
    # cut back before the exit, with its closing anchor: consistent offline, but not with the registry's head
    cut = json.loads(out.read_text(encoding="utf-8"))
    closed = next(i for i, x in enumerate(cut["entries"]) if x["kind"] == "announcement")
    cut["entries"], cut["anchors"] = cut["entries"][:closed], cut["anchors"][:-1]
    cut["head"] = cut["entries"][-1]["hash"]
    out.write_text(json.dumps(cut, ensure_ascii=False), encoding="utf-8")
    refused_cut = await asyncio.to_thread(invoke, "dossier", "verify", str(out), "--root", root_file)
    assert refused_cut.exit_code == 1 and "the registry keeps the final head" in refused_cut.output, refused_cut.output

    page = tmp_path / "case.html"
    printed = await asyncio.to_thread(invoke, "dossier", "--format", "html", driver.case_id, "--out", str(page))
    assert printed.exit_code == 0, printed.output
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    # the page itself verifies, against the registry too; altered, it does not
    checked = await asyncio.to_thread(invoke, "dossier", "verify", str(page), "--root", root_file)
    assert checked.exit_code == 0 and "chain intact, 11 signatures valid" in checked.stdout, checked.output
    assert "the final head it keeps compared" in checked.stdout
    page.write_text(page.read_text(encoding="utf-8").replace(VS, VD, 1), encoding="utf-8")
    altered = await asyncio.to_thread(invoke, "dossier", "verify", str(page), "--root", root_file)
    assert altered.exit_code == 1 and "the page was altered" in altered.output, altered.output
    explicit = await asyncio.to_thread(invoke, "dossier", "export", driver.case_id)
    assert explicit.exit_code == 0 and json.loads(explicit.stdout)["case_id"] == driver.case_id

    traced = await asyncio.to_thread(invoke, "trace", household)
    assert traced.exit_code == 0, traced.output
    assert "cannot list cases" in traced.stderr  # the time-skipping server has no visibility store
    for official in (VS, VD, WT, TS, TH, CG, CS, CH):
        assert official in traced.stdout
    as_json = json.loads((await asyncio.to_thread(invoke, "trace", household, "--json")).stdout)
    assert as_json["cases"] == [driver.case_id] and len(as_json["signatures"]) == 11  # with the signed posting of the notice

    rows = trace_rows(await driver.state())
    assert [(r["stage"], r["official_id"]) for r in rows if r["level"] == "county"] == [
        ("county_approval", CG), ("county_approval", CS), ("county_approval", CH)]
    assert {r["official_id"] for r in rows} >= {VS, VD, WT, TS, TH}


