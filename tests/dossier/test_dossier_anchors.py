"""The anchored dossier (issue 15, item 4): the order of the entries is covered by the service's
signatures, so a forger who rewrites the file and re-chains every hash is still found out, offline,
with the administrator's root key alone; with the registry, the final head kept at 销号 too."""

import copy
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.anchors import DossierAnchor, order_heads
from domain.dossier import Problem, verify_dossier

from .conftest import TestRoot, anchor_case
from .test_dossier_chain import entry, rehash_from


def anchor_problems(problems: list[Problem]) -> list[str]:
    return [str(p) for p in problems if "anchor" in p.message or "registry keeps" in p.message]


def renumber_decisions(doc: dict[str, Any]) -> None:
    """What a careful forger also does after removing a decision: number the rest 1, 2, 3 ... again."""
    for number, x in enumerate((x for x in doc["entries"] if x["kind"] == "decision"), 1):
        x["data"]["seq"] = number


def test_an_intact_dossier_passes_with_the_root_alone(doc, root):
    assert verify_dossier(doc, root) == []
    closing = DossierAnchor.model_validate(doc["anchors"][-1])
    assert closing.statement.final and closing.statement.count == len(order_heads(doc["entries"])) - 1
    # refused attempts are not anchored (the case keeps only the newest): the closing anchor counts the rest
    assert closing.statement.count == len(doc["entries"]) - 1


def test_entries_cut_off_at_the_end_and_rechained_are_found(doc, root):
    """The forger drops the exit (announcements, 销号, close) and recomputes the chain and head."""
    cut = copy.deepcopy(doc)
    cut["entries"] = [x for x in cut["entries"] if x["kind"] not in ("closed", "registry_change")]
    rehash_from(cut, 0)
    problems = verify_dossier(cut, root)
    assert any("closing the case" in p and "cut off at the end" in p for p in anchor_problems(problems)), problems
    assert all("hash" not in p.message for p in problems)  # the chain itself is consistent: only anchors tell


def test_a_cut_that_drops_the_closing_anchor_too_is_named(doc, root):
    """Keeping the 销号 entry but dropping the closing anchor: the exit is there without its anchor."""
    cut = copy.deepcopy(doc)
    cut["entries"] = [x for x in cut["entries"] if x["kind"] != "closed"]
    rehash_from(cut, 0)
    cut["anchors"] = cut["anchors"][:-1]
    problems = verify_dossier(cut, root)
    assert any("the case exited, but the dossier has no closing anchor" in p.message for p in problems), problems


def test_a_dossier_cut_back_to_an_earlier_snapshot_is_found_by_the_registry_head(doc, root, built):
    """Everything after the second notice cut, with its anchors: a consistent earlier snapshot offline
    (the root alone cannot tell it from one exported then); the registry's final head can."""
    last_notice = max(i for i, x in enumerate(doc["entries"]) if x["kind"] == "notice")
    cut = copy.deepcopy(doc)
    cut["entries"] = cut["entries"][:last_notice + 1]
    rehash_from(cut, 0)
    cut["anchors"] = [a for a in cut["anchors"] if a["statement"]["count"] <= last_notice + 1 - 1
                      and not a["statement"]["final"]]
    assert cut["anchors"]
    assert verify_dossier(cut, root) == []
    kept = {doc["case_id"]: DossierAnchor.model_validate(doc["anchors"][-1])}
    problems = verify_dossier(cut, root, registry_heads=kept)
    assert any("the registry keeps the final head" in p.message and "cut off" in p.message for p in problems)
    # the intact dossier agrees with the registry; a registry with no head for an exited case is named
    assert verify_dossier(doc, root, registry_heads=kept) == []
    assert any("keeps no final head" in p.message for p in verify_dossier(doc, root, registry_heads={}))


def test_a_signed_decision_removed_and_rechained_is_found(doc, root):
    forged = copy.deepcopy(doc)
    victim = entry(forged, "decision", lambda d: d["official_id"] == "changxiao-head")
    forged["entries"].remove(victim)
    renumber_decisions(forged)
    rehash_from(forged, 0)
    problems = verify_dossier(forged, root)
    found = anchor_problems(problems)
    assert found and all("anchor" in p.message for p in problems), [str(p) for p in problems]
    assert any("closing the case" in p and "removed" in p for p in found)


def test_a_decision_removed_before_a_notice_is_named_by_the_next_anchor(doc, root):
    """The anchor taken when the first notice opened covers the verification decisions."""
    forged = copy.deepcopy(doc)
    victim = entry(forged, "decision", lambda d: d["official_id"] == "hepai-work-team")
    forged["entries"].remove(victim)
    renumber_decisions(forged)
    rehash_from(forged, 0)
    problems = [p for p in verify_dossier(forged, root) if p.message.startswith("anchor 1 ")]
    assert problems, verify_dossier(forged, root)
    assert "between entry 1 and entry 7 an entry was removed" in problems[0].message and problems[0].seq == 7


def test_a_duplicated_entry_rechained_is_found(doc, root):
    forged = copy.deepcopy(doc)
    announcement = entry(forged, "announcement")
    forged["entries"].insert(forged["entries"].index(announcement) + 1, copy.deepcopy(announcement))
    rehash_from(forged, 0)
    found = anchor_problems(verify_dossier(forged, root))
    assert any("closing the case" in p and "duplicated" in p for p in found), found


def test_reordered_entries_rechained_are_found(doc, root):
    """Two entries of the same time swapped (the time order still holds) and the chain recomputed."""
    forged = copy.deepcopy(doc)
    first, second = [x for x in forged["entries"] if x["kind"] == "announcement"]
    assert first["at"] == second["at"]
    i, j = forged["entries"].index(first), forged["entries"].index(second)
    forged["entries"][i], forged["entries"][j] = second, first
    rehash_from(forged, 0)
    problems = verify_dossier(forged, root)
    assert [p for p in problems if "anchor" not in p.message] == []
    assert any("reordered" in p for p in anchor_problems(problems))


def test_anchors_not_signed_by_a_service_the_root_certified_are_refused(doc, root, built):
    # a forger makes a service key of their own and re-anchors the rewritten file
    forger = TestRoot()
    key = Ed25519PrivateKey.generate()
    case = built.case.model_copy(update={"anchors": []})
    anchor_case(case, key, forger.certify_service(key), case.closed_at, final=True)
    forged = copy.deepcopy(doc)
    forged["anchors"] = [a.model_dump(mode="json") for a in case.anchors]
    problems = verify_dossier(forged, root)
    assert any("anchor 1 is not the service's" in p.message for p in problems)
    assert any("no closing anchor" in p.message for p in problems)
    # an official's certified key is not a service key
    official_key = built.private["qingliu-head"]
    case.anchors = []
    anchor_case(case, official_key, built.certs["qingliu-head"], case.closed_at, final=True)
    forged["anchors"] = [a.model_dump(mode="json") for a in case.anchors]
    assert any("not for a tuopin service" in p.message for p in verify_dossier(forged, root))
    # a genuine anchor whose count was raised after signing
    raised = copy.deepcopy(doc)
    raised["anchors"][-1]["statement"]["count"] += 1
    assert any("anchor 5 is not the service's" in p.message for p in verify_dossier(raised, root))


def test_an_anchor_of_another_case_is_refused(doc, root, built):
    other = built.case.model_copy(update={"case_id": "household-exit/changxiao-hepai-h002/2017", "anchors": []})
    anchor_case(other, built.service_key, built.service_cert, other.closed_at, final=True)
    forged = copy.deepcopy(doc)
    forged["anchors"][-1] = other.anchors[0].model_dump(mode="json")
    problems = verify_dossier(forged, root)
    assert any("was signed for case 'household-exit/changxiao-hepai-h002/2017'" in p.message for p in problems)
    assert any("no closing anchor" in p.message for p in problems)
