"""The dossier as a tamper-evident document: built from a case walked by the real domain functions
with real signatures, it verifies against the administrator's root alone; any change to any entry
fails and names that entry; another root, or a revocation the root did not sign, is reported."""

import copy
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.case import CaseState
from domain.dossier import FORMAT, ZERO_HASH, Problem, build_dossier, entry_hash, signature_count, verify_dossier
from domain.procedures import VILLAGE as VILLAGE_PROCEDURE
from domain.signature_rules import check_signed
from domain.signoff_rules import apply_decision, enter_stage
from domain.simulation import Simulation
from starters.dossier_commands import trace_rows
from starters.dossier_html import render_html
from starters.signer import sign
from tests.domain.conftest import UNIT_PATH, VILLAGE, build_roster, local
from tests.support.unit_cases import TS, survey

from .conftest import GENERATED, TestRoot, anchor_case



def entry(doc: dict[str, Any], kind: str, pick: Callable[[dict[str, Any]], bool] = lambda d: True) -> dict[str, Any]:
    return next(x for x in doc["entries"] if x["kind"] == kind and pick(x["data"]))


def names(problems: list[Problem], target: dict[str, Any]) -> bool:
    return any(p.seq == target["seq"] and p.kind == target["kind"] for p in problems)


def rehash_from(doc: dict[str, Any], index: int) -> None:
    """What a forger without keys can do: renumber and re-chain every entry from `index` on."""
    prev = doc["entries"][index - 1]["hash"] if index else ZERO_HASH
    for seq, x in enumerate(doc["entries"][index:], index + 1):
        x["seq"], x["prev_hash"] = seq, prev
        x["hash"] = prev = entry_hash(x)
    doc["head"] = prev


# -- the intact dossier ----------------------------------------------------------------------------
def test_the_dossier_holds_the_whole_trail_in_time_order_and_verifies(doc, built, root):
    kinds = [x["kind"] for x in doc["entries"]]
    assert kinds[0] == "opened" and kinds[-1] == "closed"
    assert kinds.count("decision") == len(built.case.decisions) == 9
    assert kinds.count("notice") == 2 and kinds.count("objection") == 1 and kinds.count("refused_attempt") == 1
    assert kinds.count("announcement") == 2 and kinds.count("registry_change") == 1
    times = [datetime.fromisoformat(x["at"]) for x in doc["entries"]]
    assert times == sorted(times)
    assert doc["format"] == FORMAT and doc["head"] == doc["entries"][-1]["hash"]
    assert doc["entries"][0]["prev_hash"] == ZERO_HASH
    assert verify_dossier(doc, root) == []
    assert signature_count(doc) == 10  # 9 decisions (one a consent) and one resolution
    # anchored at each notice's posting and close, and at 销号 (the closing anchor covers every entry)
    assert len(doc["anchors"]) == 5 and doc["anchors"][-1]["statement"]["final"]
    # as written to a file and read back
    assert verify_dossier(json.loads(json.dumps(doc, ensure_ascii=False)), root) == []
    # building again gives the same chain: nothing depends on dict order or the clock
    again = build_dossier(built.case, built.extras, [], GENERATED)
    assert again == doc


def test_entries_carry_what_each_signature_covers(doc):
    opened = entry(doc, "opened")["data"]
    assert opened["facts"]["per_capita_income"] and opened["criteria"]["checks"]
    appraisal = entry(doc, "decision", lambda d: d["stage"] == "appraisal")["data"]
    assert appraisal["signed_fields"]["evidence_sha256"] and appraisal["signature"]["value"]
    assert appraisal["signed_fields"]["meeting_ref"] == appraisal["meeting_ref"]
    consent = entry(doc, "decision", lambda d: d["outcome"] == "consent")["data"]
    assert consent["signed_fields"]["kind"] == "consent"
    objection = entry(doc, "objection")["data"]
    assert objection["status"] == "dismissed" and objection["resolution_signed_fields"]["note"] == objection["finding"]
    assert objection["resolution_signed_fields"]["jurisdiction_id"] == "changxiao-hepai"
    window = entry(doc, "notice")["data"]
    assert window["postings"] and "公示" in window["postings"][0]["body"]
    assert all(x["data"]["body"] for x in doc["entries"] if x["kind"] == "announcement")
    assert entry(doc, "registry_change")["data"]["registry_rows"][0]["to_status"] == "exited"
    assert entry(doc, "closed")["data"]["status"] == "exited"


# -- tampering ----------------------------------------------------------------------------------------
def _decision(stage: str, outcome: str = "approve") -> Callable[[dict[str, Any]], bool]:
    return lambda d: d["stage"] == stage and d["outcome"] == outcome


TAMPERS: dict[str, tuple[str, Callable[[dict[str, Any]], bool], Callable[[dict[str, Any]], None]]] = {
    "decision note": ("decision", _decision("verification"), lambda x: x["data"].update(note="核实有误")),
    "decision official": ("decision", _decision("township_review"), lambda x: x["data"].update(official_id="changxiao-head")),
    "decision time": ("decision", _decision("county_approval"), lambda x: x["data"].update(at="2017-05-31T09:00:00+08:00")),
    "entry time": ("decision", _decision("county_approval"), lambda x: x.update(at="2017-05-31T01:00:00+00:00")),
    "meeting ref": ("decision", _decision("township_review"), lambda x: x["data"].update(meeting_ref="长委〔2017〕61号")),
    "signature value": ("decision", _decision("appraisal"), lambda x: x["data"]["signature"].update(
        value=x["data"]["signature"]["value"][:-4] + ("AAA=" if x["data"]["signature"]["value"][-4:] != "AAA=" else "BBB="))),
    "signed_at": ("decision", _decision("appraisal"), lambda x: x["data"]["signature"].update(signed_at="2017-05-10T01:00:00Z")),
    "criteria figure": ("opened", lambda d: True, lambda x: x["data"]["criteria"]["checks"][1].update(
        detail=x["data"]["criteria"]["checks"][1]["detail"].replace("5100", "5700", 1))),
    "frozen income": ("opened", lambda d: True, lambda x: x["data"]["facts"]["per_capita_income"].update({"2017": "3336"})),
    "objection finding": ("objection", lambda d: True, lambda x: x["data"].update(finding="未核实")),
    "refused reason": ("refused_attempt", lambda d: True, lambda x: x["data"].update(reason="")),
    "notice posting": ("notice", lambda d: True, lambda x: x["data"]["postings"][0].update(body="另一份公示")),
    "superseded flag": ("decision", _decision("county_approval"), lambda x: x["data"].update(superseded=True)),
    "hash": ("decision", _decision("verification"), lambda x: x.update(hash="f" * 64)),
    "prev_hash": ("notice", lambda d: True, lambda x: x.update(prev_hash="0" * 64)),
    "closing": ("closed", lambda d: True, lambda x: x["data"].update(status="rejected")),
}


@pytest.mark.parametrize("what", sorted(TAMPERS))
def test_a_changed_field_fails_and_names_its_entry(doc, root, what):
    kind, pick, change = TAMPERS[what]
    target = entry(doc, kind, pick)
    change(target)
    problems = verify_dossier(doc, root)
    assert problems and names(problems, target), f"{what}: {[str(p) for p in problems]}"


def test_a_rechained_signed_change_still_fails_at_its_signature(doc, root):
    """A forger who recomputes every hash cannot make a changed decision verify without the key."""
    target = entry(doc, "decision", _decision("verification"))
    target["data"]["note"] = "核实有误"
    rehash_from(doc, 0)
    problems = verify_dossier(doc, root)
    assert names(problems, target) and all(p.seq == target["seq"] for p in problems if "anchor" not in p.message)
    assert any("does not verify" in p.message for p in problems)
    assert any("signed_fields differ" in p.message for p in problems)


def test_a_removed_signature_fails_even_when_rechained(doc, root):
    target = entry(doc, "decision", _decision("county_approval"))
    target["data"]["signature"] = None
    rehash_from(doc, 0)
    assert any("not signed" in p.message for p in verify_dossier(doc, root) if p.seq == target["seq"])


def test_every_single_changed_value_in_any_entry_is_caught_and_named(doc, root):
    """One changed value (a character, a number, a flag) anywhere in any entry names that entry."""
    def leaves(node: Any, path: tuple = ()) -> Any:
        if isinstance(node, dict):
            for k, v in node.items():
                yield from leaves(v, (*path, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from leaves(v, (*path, i))
        else:
            yield path, node

    def changed(value: Any) -> Any:
        if isinstance(value, bool):
            return not value
        if isinstance(value, int):
            return value + 1
        if isinstance(value, str) and value:
            return value[:-1] + ("x" if value[-1] != "x" else "y")
        return "x"

    checked = 0
    for index, original in enumerate(doc["entries"]):
        for path, value in list(leaves(original)):
            forged = copy.deepcopy(doc)
            node = forged["entries"][index]
            for step in path[:-1]:
                node = node[step]
            node[path[-1]] = changed(value)
            problems = verify_dossier(forged, root)
            assert any(p.seq == index + 1 for p in problems), f"entry {index + 1} {path}: not caught"
            checked += 1
    assert checked > 200


def test_reordered_removed_and_added_entries_fail_naming_the_entry(doc, root):
    swapped = copy.deepcopy(doc)
    e = swapped["entries"]
    e[3], e[4] = e[4], e[3]
    assert names(verify_dossier(swapped, root), e[3]) and names(verify_dossier(swapped, root), e[4])

    removed = copy.deepcopy(doc)
    gone = removed["entries"].pop(5)
    problems = verify_dossier(removed, root)
    assert any(p.seq == gone["seq"] for p in problems), [str(p) for p in problems]  # the entry now at its place

    added = copy.deepcopy(doc)
    added["entries"].insert(6, copy.deepcopy(added["entries"][5]))
    assert any(p.seq == 7 for p in verify_dossier(added, root))

    # appended after the close and chained properly: still refused as such
    late = copy.deepcopy(doc)
    extra = copy.deepcopy(entry(late, "announcement"))
    late["entries"].append(extra)
    rehash_from(late, len(late["entries"]) - 1)
    assert f"entry {extra['seq']} (announcement): comes after the case's closing entry ({extra['seq'] - 1})" in \
        [str(p) for p in verify_dossier(late, root)]

    # a decision removed and the rest re-chained: the decisions no longer count 1, 2, 3 ...
    cut = copy.deepcopy(doc)
    victim = entry(cut, "decision", _decision("township_review"))
    cut["entries"].remove(victim)
    rehash_from(cut, 0)
    assert any("decision #" in p.message for p in verify_dossier(cut, root))

    headless = copy.deepcopy(doc)
    headless["head"] = "0" * 64
    assert any("head" in p.message for p in verify_dossier(headless, root))


def test_a_certificate_from_another_root_fails_every_entry_it_signed(doc, root):
    """A forger swaps in their own key, certified by a root of their own, and re-signs the decision."""
    target = entry(doc, "decision", lambda d: d["official_id"] == "qingliu-head")
    forger = TestRoot()
    key = Ed25519PrivateKey.generate()
    official = build_roster().find("qingliu-head")
    target["data"]["signature"]["certificate"] = forger.certify(key, official).model_dump(mode="json")
    rehash_from(doc, 0)
    problems = verify_dossier(doc, root)
    assert names(problems, target)
    assert any("not certified by the given root" in p.message for p in problems if p.seq == target["seq"])


def test_verified_against_another_root_every_signature_and_anchor_fails(doc, built):
    other = TestRoot().public
    problems = verify_dossier(doc, other)
    signed = [x for x in doc["entries"] if x["kind"] == "decision" or (x["kind"] == "objection")]
    assert all(names(problems, x) for x in signed)
    assert sum("not certified by the given root" in p.message for p in problems) == 10
    assert sum("is not the service's" in p.message for p in problems) == len(doc["anchors"])
    assert any("no closing anchor" in p.message for p in problems)


def test_revocations_signed_by_the_root(doc, built, root):
    director = built.certs["hepai-director"]
    target = entry(doc, "decision", lambda d: d["official_id"] == "hepai-director")
    signed_at = datetime.fromisoformat(target["data"]["signature"]["signed_at"])
    # a key revoked before it signed: the registry's revocation names the entry
    before = built.root.revoke(director, signed_at - timedelta(minutes=1))
    problems = verify_dossier(doc, root, [before])
    assert names(problems, target) and any("revoked" in p.message and "(registry)" in p.message for p in problems)
    # embedded in the dossier itself: the same
    embedded = build_dossier(built.case, built.extras, [before], GENERATED)
    assert list(embedded["revocations"]) == [director.key_id]
    assert any("revoked" in p.message and "(embedded)" in p.message for p in verify_dossier(embedded, root))
    # revoked long after the case: fine
    assert verify_dossier(doc, root, [built.root.revoke(director, signed_at + timedelta(days=400))]) == []
    # a revocation the root did not sign is reported, and revokes nothing
    forged = TestRoot().revoke(director, signed_at - timedelta(minutes=1))
    problems = verify_dossier(doc, root, [forged])
    assert [str(p) for p in problems] == [f"dossier: registry revocation of {director.key_id}: the revocation of key "
                                          f"{director.key_id} is not signed by the pinned root"]
    with_forged = build_dossier(built.case, built.extras, [forged], GENERATED)
    assert any("embedded revocation" in p.message and "not signed by the pinned root" in p.message
               for p in verify_dossier(with_forged, root))


# -- the CLI, with no server and no registry -------------------------------------------------------------
def test_verify_offline_through_the_cli(doc, runner_cli, root_file, tmp_path, monkeypatch):
    path = tmp_path / "dossier.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    runner = CliRunner()
    ok = runner.invoke(runner_cli, ["dossier", "verify", str(path), "--root", root_file, "--offline"])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.startswith(f"verified: {len(doc['entries'])} entries, chain intact, 10 signatures valid, "
                                "order anchored by 5 service signature(s) up to the close")
    assert f"from {root_file}" in ok.stdout
    # without --offline and no registry to be found: still verified, saying the registry was not consulted
    missing = tmp_path / "no-registry.db"
    alone = runner.invoke(runner_cli, ["dossier", "verify", str(path), "--root", root_file,
                                       "--registry-url", f"sqlite:///{missing}"])
    assert alone.exit_code == 0 and "not consulted" in alone.stdout, alone.output
    assert not missing.exists()
    as_json = runner.invoke(runner_cli, ["dossier", "verify", str(path), "--root", root_file, "--offline", "--json"])
    assert as_json.exit_code == 0 and json.loads(as_json.stdout)["signatures"] == 10
    assert json.loads(as_json.stdout)["closing_anchor"] is True

    # without --root: the trust folder's root, and the output says so
    trust = tmp_path / "trust"
    trust.mkdir()
    (trust / "admin-root.pub").write_text(Path(root_file).read_text(encoding="ascii"), encoding="ascii")
    monkeypatch.setenv("TUOPIN_TRUST_DIR", str(trust))
    folder = runner.invoke(runner_cli, ["dossier", "verify", str(path), "--offline"])
    assert folder.exit_code == 0 and "from the trust folder" in folder.stdout, folder.output
    # another root there: nothing verifies
    (trust / "admin-root.pub").write_text(TestRoot().public, encoding="ascii")
    assert runner.invoke(runner_cli, ["dossier", "verify", str(path), "--offline"]).exit_code == 1
    monkeypatch.setenv("TUOPIN_TRUST_DIR", str(tmp_path / "nowhere"))
    assert runner.invoke(runner_cli, ["dossier", "verify", str(path), "--offline"]).exit_code == 2

    # one byte changed inside one entry: exit 1, naming it
    target = entry(doc, "decision", _decision("township_review"))
    text = path.read_text(encoding="utf-8")
    ref = target["data"]["meeting_ref"]
    assert text.count(ref) >= 2  # in the data and in the signed fields: change the first only
    path.write_text(text.replace(ref, ref.replace("60", "61"), 1), encoding="utf-8")
    bad = runner.invoke(runner_cli, ["dossier", "verify", str(path), "--root", root_file, "--offline"])
    assert bad.exit_code == 1, bad.output
    assert f"entry {target['seq']} (decision)" in bad.output
    bad_json = runner.invoke(runner_cli, ["dossier", "verify", str(path), "--root", root_file, "--offline", "--json"])
    assert bad_json.exit_code == 1 and json.loads(bad_json.stdout)["problems"][0]["seq"] == target["seq"]

    path.write_text("{not json", encoding="utf-8")
    assert runner.invoke(runner_cli, ["dossier", "verify", str(path), "--root", root_file, "--offline"]).exit_code == 1


def test_dossier_spellings_and_help(runner_cli):
    runner = CliRunner()
    helped = runner.invoke(runner_cli, ["dossier", "--help"])
    assert helped.exit_code == 0
    assert "tuopin dossier CASE [--format json|html] [--out FILE]" in helped.output
    assert "tuopin dossier verify FILE [--root ROOT.pub] [--registry-url URL] [--offline]" in helped.output
    # `dossier CASE` is `dossier export CASE`: with nothing listening it fails as unreachable (3), not as usage
    for args in (["dossier", "household-exit/x/2017"], ["dossier", "--format", "html", "household-exit/x/2017"]):
        result = runner.invoke(runner_cli, [*args, "--address", "127.0.0.1:1", "--registry-url", "sqlite://"])
        assert result.exit_code == 3, result.output
    assert runner.invoke(runner_cli, ["dossier", "household-exit/x/2017", "--format", "pdf"]).exit_code == 2
    assert runner.invoke(runner_cli, ["trace", "bad unit'"]).exit_code == 2


def test_trace_rows_name_every_signer_by_level(built):
    rows = trace_rows(built.case)
    assert [r["level"] for r in rows if r["outcome"] == "approve"][-3:] == ["county"] * 3
    assert {r["official_id"] for r in rows} >= {"hepai-secretary", "hepai-director", "changxiao-head", "qingliu-head"}
    resolution = next(r for r in rows if r["outcome"].startswith("dismiss"))
    assert resolution["stage"] == "notice" and resolution["level"] == "village"
    assert all(r["superseded"] is False for r in rows)


def test_a_simulated_case_is_marked_in_the_dossier(built, runner_cli, root_file, tmp_path):
    # the anchors of the case as it was, over an opening that now says SIMULATION
    simulated = built.case.model_copy(update={"simulation": Simulation(notice_seconds=60),
                                              "anchors": list(built.case.anchors)})
    doc = build_dossier(simulated, built.extras, [], GENERATED)
    assert entry(doc, "opened")["data"]["simulation"] == {"notice_seconds": 60}
    assert "SIMULATION" in render_html(doc)
    path = tmp_path / "simulated.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(runner_cli, ["dossier", "verify", str(path), "--root", root_file, "--offline"])
    assert result.exit_code == 1 and "SIMULATION" not in result.stdout  # the opening the anchors signed changed
    # anchored as the service anchors a simulated case
    simulated.anchors = []
    anchor_case(simulated, built.service_key, built.service_cert, simulated.closed_at, final=True)
    path.write_text(json.dumps(build_dossier(simulated, built.extras, [], GENERATED), ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(runner_cli, ["dossier", "verify", str(path), "--root", root_file, "--offline"])
    assert result.exit_code == 0 and "SIMULATION" in result.stdout, result.output


def test_a_survey_signed_as_the_cli_sends_it_verifies_from_the_case_state():
    roster = build_roster()
    official = roster.find(TS)
    root = TestRoot()
    key = Ed25519PrivateKey.generate()
    cert = root.certify(key, official)
    case = CaseState(
        case_id=f"village-exit/{VILLAGE}/hollow/2018", exit_type="village", unit_id=VILLAGE, year=2018,
        designation="hollow", ready=True, stage="survey", opened_by=TS, opened_at=local(2018, 9, 11),
        unit_path=UNIT_PATH.model_copy(update={"household_id": None}), trust_root=root.public,
    )
    enter_stage(case, "survey")
    from starters.cases import _normalized

    # departments typed as one string: the CLI normalises the record as the case will store it, then signs
    now = local(2018, 9, 12)
    cmd = sign(key, cert, case.case_id, "survey", case.pass_id or "", _normalized("village", survey()), signed_at=now)
    assert isinstance(cmd.record["departments"], list)
    check_signed(case, cmd, stage="survey", pass_id=case.pass_id or "", official=official, now=now)  # accepted
    apply_decision(case, VILLAGE_PROCEDURE, roster, cmd, now)
    assert verify_dossier(build_dossier(case, None, [], now), root.public) == []
