"""`tuopin dossier verify` accepts the HTML page `tuopin dossier --format html` wrote: the page carries
its JSON dossier, which is verified as the JSON form is, and the page must be exactly what that
dossier renders to. Attacks: the visible text altered, the carried JSON altered, both altered to agree,
a second dossier block, a page with none, markup smuggled through a dossier's text."""

import json
import re

from click.testing import CliRunner

from starters.dossier_html import carried_dossier, render_html


def _verify(runner_cli, path, root_file, *extra):
    return CliRunner().invoke(runner_cli, ["dossier", "verify", str(path), "--root", root_file, "--offline", *extra])


def _decision_ref(doc) -> str:
    return next(x["data"]["meeting_ref"] for x in doc["entries"] if x["kind"] == "decision" and x["data"].get("meeting_ref"))


def test_both_forms_verify(doc, runner_cli, root_file, tmp_path):
    as_json, as_html = tmp_path / "d.json", tmp_path / "d.html"
    as_json.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    as_html.write_text(render_html(doc), encoding="utf-8")
    for path in (as_json, as_html):
        result = _verify(runner_cli, path, root_file)
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"verified: {len(doc['entries'])} entries, chain intact, 10 signatures valid")
    assert carried_dossier(as_html.read_text(encoding="utf-8")) == doc


def test_a_page_with_its_visible_text_altered_is_refused(doc, runner_cli, root_file, tmp_path):
    page = render_html(doc)
    ref = _decision_ref(doc)
    visible = page.split('<script type="application/json"')[0]
    assert ref in visible
    altered = visible.replace(ref, "县委常委会〔2017〕99号", 1) + page[len(visible):]
    path = tmp_path / "d.html"
    path.write_text(altered, encoding="utf-8")
    result = _verify(runner_cli, path, root_file)
    assert result.exit_code == 1 and "the page was altered" in result.output, result.output


def test_a_page_whose_carried_dossier_was_altered_is_refused(doc, runner_cli, root_file, tmp_path):
    page = render_html(doc)
    ref = _decision_ref(doc)
    # the carried JSON alone changed
    head, block = page.split('<script type="application/json"', 1)
    path = tmp_path / "d.html"
    path.write_text(head + '<script type="application/json"' + block.replace(ref, "县委常委会〔2017〕99号", 1), encoding="utf-8")
    one = _verify(runner_cli, path, root_file)
    assert one.exit_code == 1 and "(decision)" in one.output, one.output
    # both changed to agree (the forger re-renders the page from the altered dossier): the chain says so
    forged = json.loads(json.dumps(doc).replace(json.dumps(ref)[1:-1], "县委常委会〔2017〕99号", 1))
    path.write_text(render_html(forged), encoding="utf-8")
    both = _verify(runner_cli, path, root_file, "--json")
    assert both.exit_code == 1 and json.loads(both.stdout)["problems"], both.output


def test_pages_with_no_block_or_two_are_refused(doc, runner_cli, root_file, tmp_path):
    page = render_html(doc)
    block = re.search(r'<script type="application/json" id="tuopin-dossier">.*?</script>', page, re.S).group(0)
    path = tmp_path / "d.html"
    for text, why in ((page.replace(block, ""), "no dossier block"), (page.replace(block, block + block), "2 dossier blocks")):
        path.write_text(text, encoding="utf-8")
        result = _verify(runner_cli, path, root_file)
        assert result.exit_code == 1 and why in result.output and "Traceback" not in result.output, result.output
    path.write_text(page.replace(block, '<script type="application/json" id="tuopin-dossier">{oops</script>'), encoding="utf-8")
    assert "not JSON" in _verify(runner_cli, path, root_file).output


def test_dossier_text_cannot_close_the_block(doc):
    hostile = json.loads(json.dumps(doc))
    hostile["case_id"] = 'x</script><script>alert(1)</script><!--'
    page = render_html(hostile)
    assert page.lower().count("<script") == 1 and "alert(1)</script>" not in page
    assert carried_dossier(page)["case_id"] == hostile["case_id"]
