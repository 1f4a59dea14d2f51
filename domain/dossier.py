"""档案: a case's complete trail as one tamper-evident document (SPEC: 责任可追溯). Pure: no I/O.

The dossier is an ordered list of entries (the opening with its frozen facts and criteria, every
decision, notice window, objection, refused attempt, announcement, the registry change and the
close), ordered by time. Each entry is chained to the one before by SHA-256 over its canonical
JSON, so one changed byte breaks its own hash. Every signature carries its key's certificate, which
is checked against the administrator's root key the verifier supplies (never against keys the file
brings alone), with the revocations the file embeds (each also signed by the root) and, when given,
the registry's: the signed content is rebuilt from the entry's own data, exactly as the workflow
rebuilt it when it accepted the message.

A chain proves the entries were not changed *relative to its head*: whoever rewrites the whole chain
consistently could add or drop unsigned entries. The anchors close that gap (domain/anchors.py): the
workers' service key, certified by the same root, signs the order of the entries as the case grows
and at 销号, when the registry also keeps the final head; the verifier recomputes that order from the
file's entries and names any anchor it does not match.
"""

import json
from collections.abc import Iterable
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.anchors import DossierAnchor, check_anchor, order_heads, order_positions
from domain.case import CaseState
from domain.messages import ConsentCommand, DecisionCommand, PostingCommand, ResolutionCommand
from domain.list_notice import ListPostingCommand
from domain.name_lists import ListDecisionCommand, ListMember, MemberException, members_digest
from domain.officials import Official
from domain.procedures import PROCEDURES
from domain.roles import Level, Role
from domain.certificates import CertificateRefused, KeyRevocation, check_certificate, check_revocation
from domain.signing import Signature, SignedMessage, digest, verify

FORMAT = "tuopin-dossier/1"
ZERO_HASH = "0" * 64
ENTRY_KEYS = {"seq", "kind", "at", "data", "prev_hash", "hash"}
RESOLUTION_OUTCOME = {"upheld": "uphold", "dismissed": "dismiss"}


class Problem(BaseModel):
    """One thing wrong with a dossier: which entry (its place in the file, 1-based, which is the seq an
    intact entry there carries; None for the document as a whole), its kind, and what is wrong."""

    model_config = ConfigDict(frozen=True)

    seq: int | None
    kind: str | None
    message: str

    def __str__(self) -> str:
        where = f"entry {self.seq} ({self.kind})" if self.seq is not None else "dossier"
        return f"{where}: {self.message}"


class RegistryExtras(BaseModel):
    """What the registry holds about a case beyond its state, as plain rows (the export reads them)."""

    notices: list[dict[str, Any]] = Field(default_factory=list)  # postings: window_no, scope_level, jurisdiction_id, ..., body
    announcements: list[dict[str, Any]] = Field(default_factory=list)  # kind, scope_level, jurisdiction_id, at, body
    status_changes: list[dict[str, Any]] = Field(default_factory=list)  # case_id, unit_type, unit_id, from/to_status, at


# -- JSON-native values, so a hash survives writing the file and reading it back -------------------
def utc_text(value: datetime | str | None) -> str | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:  # the registry's SQLite hands back naive UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat()


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, (Decimal, set, tuple)):
        return str(value) if isinstance(value, Decimal) else list(value)
    return str(value)


def plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=_default, ensure_ascii=False))


def entry_hash(entry: dict[str, Any]) -> str:
    return digest({k: v for k, v in entry.items() if k != "hash"})


# -- the signed content, rebuilt from an entry's data -------------------------------------------------
# The entry's data gives back the message the official signed and their post; the message model says
# what it signed, as it did for the signer and the workflow. The message is rebuilt without validation:
# whether its content matches the signature is for the signature check to say.
def _post(official_id: str, person_id: str | None, name: str | None, role: str, jurisdiction_id: str) -> Official:
    return Official.model_construct(
        official_id=official_id, person_id=person_id or "", name=name or "", role=Role(role),
        jurisdiction_id=jurisdiction_id,
    )


def _content(message: SignedMessage, case_id: str, stage: str, official: Official, signature: dict[str, Any]) -> dict[str, Any]:
    return message.signed_content(
        subject_id=case_id, stage=stage, pass_id=signature["pass_id"], official=official,
        key=signature["certificate"]["statement"]["key_id"], signed_at=datetime.fromisoformat(signature["signed_at"]),
    )


def decision_fields(case_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """What a decision's (or consent's) signature covers, as the workflow rebuilt it on acceptance."""
    message: SignedMessage
    if data.get("signed_list") is not None:
        return list_decision_fields(data)
    if data["outcome"] == "posted":
        message = PostingCommand.model_construct(
            official_id=data["official_id"], place=data["record"]["place"],
            posted_at=datetime.fromisoformat(data["record"]["posted_at"]),
        )
    elif data["outcome"] in ("consent", "refuse"):
        message = ConsentCommand.model_construct(
            official_id=data["official_id"], note=data.get("note"), refuse=data["outcome"] == "refuse"
        )
    else:
        message = DecisionCommand.model_construct(
            stage=data["stage"], outcome=data["outcome"], official_id=data["official_id"],
            meeting_ref=data.get("meeting_ref"), note=data.get("note"), to_stage=data.get("to_stage"),
            record=data.get("record"),
        )
    official = _post(data["official_id"], data.get("person_id"), data.get("name"), data["role"], data["jurisdiction_id"])
    return _content(message, case_id, data["stage"], official, data["signature"])


def _list_message(data: dict[str, Any]) -> ListDecisionCommand | ListPostingCommand:
    signed = data["signed_list"]
    if data["outcome"] == "posted":  # the list's one notice posting (domain/list_notice.py)
        return ListPostingCommand.model_construct(
            list_id=signed["list_id"], official_id=data["official_id"], place=data["record"]["place"],
            posted_at=datetime.fromisoformat(data["record"]["posted_at"]),
            members=[ListMember.model_construct(**m) for m in signed["members"]],
        )
    return ListDecisionCommand.model_construct(
        list_id=signed["list_id"], stage=data["stage"], official_id=data["official_id"], meeting_ref=data.get("meeting_ref"),
        note=signed.get("note"), members=[ListMember.model_construct(**m) for m in signed["members"]],
        exceptions=[MemberException.model_construct(**e) for e in signed.get("exceptions", [])],
    )


def list_decision_fields(data: dict[str, Any]) -> dict[str, Any]:
    """What a list signature (名单) covers: the list, its stage, its members and exceptions."""
    official = _post(data["official_id"], data.get("person_id"), data.get("name"), data["role"], data["jurisdiction_id"])
    message = _list_message(data)
    return _content(message, message.list_id, data["stage"], official, data["signature"])


def list_membership_problems(case_id: str | None, data: dict[str, Any], sig: Signature) -> list[str]:
    """Whether the signed list named this case at this stage, with the decision the case recorded,
    and the signature was made for that list and member set."""
    message = _list_message(data)
    out = []
    if sig.case_id != message.list_id:
        out.append(f"the list signature was made for {sig.case_id!r}, not the list {message.list_id!r} it names")
    if sig.pass_id != members_digest(message.list_id, data["stage"], message.members):
        out.append("the list signature's member digest does not match the signed member list")
    mine = [m for m in message.members if m.case_id == case_id and m.stage == data["stage"]]
    if not mine:
        out.append(f"case {case_id} is not on the signed list {message.list_id} at {data['stage']!r}")
    if isinstance(message, ListPostingCommand):
        return out
    excepted = next((e for e in message.exceptions if e.case_id == case_id), None)
    outcome = excepted.outcome if excepted else "approve"
    if data.get("outcome") != outcome:
        out.append(f"the signed list {'excepts' if excepted else 'approves'} this case ({outcome}); "
                   f"the case recorded {data.get('outcome')!r}")
    return out


def resolution_fields(case_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """What an objection's resolution signature covers, as the workflow rebuilt it on acceptance."""
    message = ResolutionCommand.model_construct(
        objection_id=data["objection_id"], outcome=RESOLUTION_OUTCOME[data["status"]], official_id=data["resolved_by"],
        finding=data.get("finding"),
    )
    official = _post(data["resolved_by"], data.get("resolver_person_id"), None, data["resolver_role"],
                     data["resolver_jurisdiction_id"])
    return _content(message, case_id, data["resolution_stage"], official, data["resolution_signature"])


# -- building ------------------------------------------------------------------------------------------
def _resolver_jurisdiction(case: CaseState, stage_id: str) -> str | None:
    """The case does not record where its resolver sits; the procedure does (SPEC: the responsible level)."""
    procedure = PROCEDURES.get(case.exit_type)
    if procedure is None or case.unit_path is None:
        return None
    try:
        level: Level | None = procedure.stage(stage_id).resolver_level
        return case.unit_path.jurisdiction(level) if level is not None else None
    except (KeyError, ValueError):
        return None


def _drafts(case: CaseState, extras: RegistryExtras) -> list[tuple[datetime, str, dict[str, Any]]]:
    """(time, kind, data) of every entry, in the order ties in time keep."""
    drafts: list[tuple[datetime, str, dict[str, Any]]] = []
    opened = case.model_dump(
        mode="json",
        include={"case_id", "exit_type", "unit_id", "year", "designation", "opened_by", "opened_at", "unit_path",
                 "facts", "criteria", "notice_rule", "simulation"},
    )
    drafts.append((case.opened_at, "opened", opened))
    for decision in case.decisions:
        data = decision.model_dump(mode="json")
        if decision.signature is not None:
            data["signed_fields"] = decision_fields(case.case_id, data)
        drafts.append((decision.at, "decision", data))
    for attempt in case.refused_attempts:
        drafts.append((attempt.at, "refused_attempt", attempt.model_dump(mode="json")))
    stage_of_window = {w.window_no: w.stage for w in case.notices}
    for objection in case.objections:
        data = objection.model_dump(mode="json")
        if objection.status != "open":
            stage = stage_of_window.get(objection.window_no, "")
            data["resolution_stage"] = stage
            data["resolver_jurisdiction_id"] = _resolver_jurisdiction(case, stage)
            if objection.resolution_signature is not None:
                data["resolution_signed_fields"] = resolution_fields(case.case_id, data)
        drafts.append((objection.lodged_at, "objection", data))
    for window in case.notices:
        data = window.model_dump(mode="json")
        data["postings"] = [plain(p) for p in extras.notices if p.get("window_no") == window.window_no]
        drafts.append((window.opened_at, "notice", data))
    posted = {(a.get("kind"), a.get("jurisdiction_id")): a for a in extras.announcements}
    for announcement in case.announcements:
        data = announcement.model_dump(mode="json")
        row = posted.pop((announcement.kind, announcement.jurisdiction_id), None)
        data["body"] = row.get("body") if row else None
        drafts.append((announcement.at, announcement.kind, data))
    for row in posted.values():  # posted in the registry but not (yet) in the case state
        drafts.append((datetime.fromisoformat(utc_text(row["at"]) or ""), row.get("kind", "announcement"),
                       {**plain(row), "registry_only": True}))
    if case.registry_change is not None:
        data = {**plain(case.registry_change), "registry_rows": [
            plain(r) for r in extras.status_changes if r.get("case_id") == case.case_id
        ]}
        drafts.append((datetime.fromisoformat(str(case.registry_change["at"])), "registry_change", data))
    if case.status != "open" and case.closed_at is not None:
        closed = {"status": case.status, "reason": case.outcome_reason, "closed_at": utc_text(case.closed_at),
                  "stage": case.stage}
        drafts.append((case.closed_at, "closed", closed))
    return drafts


def dossier_entries(case: CaseState, extras: RegistryExtras | None = None) -> list[dict[str, Any]]:
    """The chained entries, in time order (ties keep the order of `_drafts`)."""
    drafts = _drafts(case, extras or RegistryExtras())
    order = sorted(range(len(drafts)), key=lambda i: (_instant(drafts[i][0]), i))  # stable for equal times
    entries: list[dict[str, Any]] = []
    prev = ZERO_HASH
    for seq, index in enumerate(order, 1):
        at, kind, data = drafts[index]
        entry = {"seq": seq, "kind": kind, "at": utc_text(at), "data": plain(data), "prev_hash": prev}
        entry["hash"] = prev = entry_hash(entry)
        entries.append(entry)
    return entries


def order_head(case: CaseState) -> tuple[int, str]:
    """(count, head) of the order chain over the case's anchored entries as they stand now: what the
    workflow asks the service to sign. The registry's extras do not enter the settled forms, so the
    case's own state gives the same forms as the exported dossier."""
    heads = order_heads(dossier_entries(case))
    return len(heads) - 1, heads[-1]


def build_dossier(
    case: CaseState, extras: RegistryExtras | None, revocations: Iterable[KeyRevocation], generated_at: datetime
) -> dict[str, Any]:
    entries = dossier_entries(case, extras)
    used = _used_key_ids(entries)
    embedded = {r.key_id: r.model_dump(mode="json") for r in revocations if r.key_id in used}
    return {
        "format": FORMAT, "case_id": case.case_id, "generated_at": utc_text(generated_at), "entries": entries,
        "revocations": dict(sorted(embedded.items())), "anchors": [a.model_dump(mode="json") for a in case.anchors],
        "head": entries[-1]["hash"] if entries else ZERO_HASH,
    }


def _instant(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def _signatures(entry: dict[str, Any]) -> list[dict[str, Any]]:
    data = entry.get("data") or {}
    sig = data.get("signature") if entry.get("kind") == "decision" else data.get("resolution_signature")
    return [sig] if isinstance(sig, dict) else []


def _key_of(signature: dict[str, Any]) -> Any:
    """The key id a signature's certificate names (None if it is not there)."""
    return ((signature.get("certificate") or {}).get("statement") or {}).get("key_id")


def _used_key_ids(entries: list[dict[str, Any]]) -> set[str]:
    used = {_key_of(s) for e in entries for s in _signatures(e)}
    used |= {e["data"].get("key_id") for e in entries if e["kind"] == "refused_attempt"}
    return {k for k in used if k}


def simulation_of(doc: dict[str, Any]) -> dict[str, Any] | None:
    """A load-test case's simulation mark (its notice was shortened below 7 days), or None."""
    entries = doc.get("entries") or []
    first = entries[0] if entries and isinstance(entries[0], dict) else {}
    return (first.get("data") or {}).get("simulation") if first.get("kind") == "opened" else None


def signature_count(doc: dict[str, Any]) -> int:
    return sum(len(_signatures(e)) for e in doc.get("entries", []) if isinstance(e, dict))


def signer_key_ids(doc: dict[str, Any]) -> list[str]:
    """Every key id a dossier's signatures name (to ask the registry about)."""
    ids = {_key_of(s) for e in doc.get("entries", []) if isinstance(e, dict) for s in _signatures(e)}
    return sorted({str(k) for k in ids if k} | set(doc.get("revocations") or {}))


# -- verifying -------------------------------------------------------------------------------------------
def verify_dossier(
    doc: Any, root: str, registry_revocations: Iterable[KeyRevocation] | None = None,
    registry_heads: dict[str, DossierAnchor] | None = None,
) -> list[Problem]:
    """Every hash, the chain, the head, the entries' order, and every signature: its key certified by
    `root` (the administrator's root public key, which the verifier obtained elsewhere), not revoked
    when the signature was made or accepted (by the revocations the file embeds and, when given, the
    registry's; each must be signed by `root`), and its content. The anchors, signed by a service key
    the root certified, must agree with the order of the entries; an exited case needs its closing
    anchor. `registry_heads` (case id -> the final anchor the registry kept at 销号; None when the
    registry was not consulted) is compared too. An empty list: the dossier is intact."""
    problems: list[Problem] = []
    if not isinstance(doc, dict) or not isinstance(doc.get("entries"), list):
        return [Problem(seq=None, kind=None, message="not a tuopin dossier (no list of entries)")]
    if doc.get("format") != FORMAT:
        problems.append(Problem(seq=None, kind=None, message=f"format is {doc.get('format')!r}, not {FORMAT!r}"))
    entries = doc["entries"]
    prev, last_at = ZERO_HASH, None
    for position, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            problems.append(Problem(seq=position, kind=None, message="is not an entry object"))
            prev = None
            continue
        seq, kind = entry.get("seq"), entry.get("kind")
        say = lambda message, k=kind, at=position: problems.append(Problem(seq=at, kind=k, message=message))  # noqa: E731
        if set(entry) != ENTRY_KEYS:
            say(f"has fields {sorted(entry)}; an entry has exactly {sorted(ENTRY_KEYS)}")
        if seq != position:
            say(f"is numbered {seq!r} but stands at position {position}: entries were removed, added or reordered")
        if entry.get("prev_hash") != prev:
            say("prev_hash is not the hash of the entry before it: the chain is broken here "
                "(an entry before it was removed, added, reordered or rehashed)")
        if entry.get("hash") != entry_hash(entry):
            say("hash does not match the entry's content: the entry was changed after it was written")
        prev = entry.get("hash")
        try:
            at = datetime.fromisoformat(entry.get("at"))
            if last_at is not None and at < last_at:
                say(f"at {entry.get('at')} is earlier than the entry before it: entries are out of time order")
            last_at = at
        except (TypeError, ValueError):
            say(f"at {entry.get('at')!r} is not a time")
    head = entries[-1].get("hash") if entries and isinstance(entries[-1], dict) else ZERO_HASH
    if doc.get("head") != head:
        problems.append(Problem(seq=len(entries) or None, kind=_kind(entries, -1),
                                message=f"the dossier's head {doc.get('head')!r} is not the last entry's hash"))
    problems += _check_structure(doc, entries)
    case_id = _case_id(entries)
    revoked = _revocations(doc, root, registry_revocations, problems)
    for position, entry in enumerate(entries, 1):
        if isinstance(entry, dict) and entry.get("kind") in ("decision", "objection"):
            problems += _check_entry_signature(entry, position, case_id, root, revoked)
    problems += _check_anchors(doc, entries, root, registry_heads)
    return problems


def _exited(entries: list[Any]) -> bool:
    """Whether the entries show the case's exit (its registry change or a close as exited)."""
    return any(isinstance(e, dict) and (e.get("kind") == "registry_change" or (
        e.get("kind") == "closed" and (e.get("data") or {}).get("status") == "exited")) for e in entries)


def _check_anchors(
    doc: dict[str, Any], entries: list[Any], root: str, registry_heads: dict[str, DossierAnchor] | None
) -> list[Problem]:
    """The anchors against the order chain recomputed from the entries as they stand in the file."""
    problems: list[Problem] = []
    say = lambda message, seq=None, kind=None: problems.append(Problem(seq=seq, kind=kind, message=message))  # noqa: E731
    heads, positions = order_heads(entries), order_positions(entries)
    total = len(heads) - 1
    case_id = doc.get("case_id")

    def where(count: int) -> tuple[int | None, str | None]:
        """The file position and kind of the count-th anchored entry."""
        if 1 <= count <= len(positions):
            return positions[count - 1], _kind(entries, positions[count - 1] - 1)
        return None, None

    raw_anchors = doc.get("anchors")
    if raw_anchors is None:
        raw_anchors = []
    if not isinstance(raw_anchors, list):
        say("its anchors are not a list")
        raw_anchors = []
    final: DossierAnchor | None = None
    matched = 0  # the count of the last anchor that agreed with the entries
    for number, raw in enumerate(raw_anchors, 1):
        try:
            anchor = DossierAnchor.model_validate(raw)
            check_anchor(anchor, root)
        except (TypeError, ValidationError) as exc:
            say(f"anchor {number} is malformed: {str(exc).splitlines()[0]}")
            continue
        except CertificateRefused as exc:
            say(f"anchor {number} is not the service's, as certified by the given root: {exc}")
            continue
        st = anchor.statement
        label = f"anchor {number} (signed by the service at {utc_text(st.at)}{', closing the case' if st.final else ''})"
        if st.case_id != case_id:
            say(f"{label} was signed for case {st.case_id!r}, not {case_id!r}")
            continue
        if st.count > total:
            seq, kind = where(total)
            say(f"{label} covers {st.count} anchored entries, but the dossier has only {total}: "
                f"entries were cut off at the end or removed", seq, kind)
        elif heads[st.count] != st.head:
            seq, kind = where(st.count)
            start, _ = where(min(matched + 1, st.count))
            say(f"{label} covers the first {st.count} anchored entries, up to entry {seq}, and they do not chain to "
                f"the head it signed: between entry {start} and entry {seq} an entry was removed, added, duplicated, "
                "reordered or changed", seq, kind)
        else:
            matched = max(matched, st.count)
            if st.final and st.count < total:
                seq, kind = where(st.count + 1)
                say(f"{label} covers {st.count} anchored entries, but the dossier has {total}: "
                    f"entries from entry {seq} on were added after the case closed", seq, kind)
        if st.final:
            final = anchor
    if _exited(entries) and final is None:
        say("the case exited, but the dossier has no closing anchor signed by the service: "
            "whether entries were cut off, removed or added cannot be shown")
    if registry_heads is not None and isinstance(case_id, str):
        problems += _check_registry_head(registry_heads.get(case_id), case_id, heads, entries, root)
    return problems


def _check_registry_head(
    kept: DossierAnchor | None, case_id: str, heads: list[str], entries: list[Any], root: str
) -> list[Problem]:
    """The final head the registry kept at 销号 against the entries' order chain."""
    total = len(heads) - 1
    if kept is None:
        if _exited(entries):
            return [Problem(seq=None, kind=None, message=f"the registry keeps no final head for {case_id}, "
                            "though the dossier shows its exit")]
        return []
    try:
        check_anchor(kept, root)
    except CertificateRefused as exc:
        return [Problem(seq=None, kind=None, message=f"the final head the registry keeps is not the service's: {exc}")]
    st = kept.statement
    if st.case_id != case_id or st.count != total or st.head != heads[-1]:
        return [Problem(seq=None, kind=None, message=(
            f"the registry keeps the final head {st.head[:16]}… over {st.count} anchored entries for {case_id}; "
            f"this dossier's entries give {heads[-1][:16]}… over {total}: entries were cut off, removed, added "
            "or reordered"))]
    return []


def _kind(entries: list[Any], index: int) -> str | None:
    return entries[index].get("kind") if entries and isinstance(entries[index], dict) else None


def _case_id(entries: list[Any]) -> str | None:
    first = entries[0] if entries and isinstance(entries[0], dict) else {}
    return (first.get("data") or {}).get("case_id") if first.get("kind") == "opened" else None


def _check_structure(doc: dict[str, Any], entries: list[Any]) -> list[Problem]:
    problems: list[Problem] = []
    kinds = [e.get("kind") if isinstance(e, dict) else None for e in entries]
    if not kinds or kinds[0] != "opened":
        problems.append(Problem(seq=1 if kinds else None, kind=kinds[0] if kinds else None,
                                message="a dossier begins with the case's opening entry"))
    closed_at = kinds.index("closed") + 1 if "closed" in kinds else None
    for position, kind in enumerate(kinds, 1):
        if kind == "opened" and position != 1:
            problems.append(Problem(seq=position, kind=kind, message="a second opening entry"))
        if closed_at is not None and position > closed_at:
            problems.append(Problem(seq=position, kind=kind, message=f"comes after the case's closing entry ({closed_at})"))
    if _case_id(entries) != doc.get("case_id"):
        problems.append(Problem(seq=1, kind="opened", message=f"opens case {_case_id(entries)!r}, "
                                f"but the dossier says it is case {doc.get('case_id')!r}"))
    decisions = [(p, e) for p, e in enumerate(entries, 1) if isinstance(e, dict) and e.get("kind") == "decision"]
    for number, (position, entry) in enumerate(decisions, 1):
        if (entry.get("data") or {}).get("seq") != number:
            problems.append(Problem(seq=position, kind="decision", message=f"is decision #{(entry.get('data') or {}).get('seq')} "
                                    f"where decision #{number} belongs: a decision was removed, added or reordered"))
    return problems


def _revocations(
    doc: dict[str, Any], root: str, registry: Iterable[KeyRevocation] | None, problems: list[Problem]
) -> dict[str, tuple[datetime, str]]:
    """Key id -> (revoked at, where it was found), from every revocation the root signed."""
    found: list[tuple[KeyRevocation, str]] = []
    for kid, raw in (doc.get("revocations") or {}).items():
        try:
            found.append((KeyRevocation.model_validate(raw), "embedded"))
        except (TypeError, ValidationError):
            problems.append(Problem(seq=None, kind=None, message=f"embedded revocation of {kid} is malformed"))
    found += [(r, "registry") for r in registry or ()]
    revoked: dict[str, tuple[datetime, str]] = {}
    for revocation, source in found:
        try:
            check_revocation(revocation, root)
        except CertificateRefused as exc:
            problems.append(Problem(seq=None, kind=None, message=f"{source} revocation of {revocation.key_id}: {exc}"))
            continue
        at = _instant(revocation.statement.revoked_at)
        if revocation.key_id not in revoked or at < revoked[revocation.key_id][0]:
            revoked[revocation.key_id] = (at, source)
    return revoked


def _check_entry_signature(
    entry: dict[str, Any], position: int, case_id: str | None, root: str, revoked: dict[str, tuple[datetime, str]]
) -> list[Problem]:
    kind, data = entry["kind"], entry.get("data") or {}
    out: list[Problem] = []
    say = lambda message: out.append(Problem(seq=position, kind=kind, message=message))  # noqa: E731
    if kind == "decision":
        raw, stored_key, rebuild, signer, accepted = data.get("signature"), "signed_fields", decision_fields, data.get("official_id"), data.get("at")
    else:
        if data.get("status") == "open":
            return out
        raw, stored_key, rebuild = data.get("resolution_signature"), "resolution_signed_fields", resolution_fields
        signer, accepted = data.get("resolved_by"), data.get("resolved_at")
    what = "resolution" if kind == "objection" else "decision"
    if raw is None:
        say(f"the {what} of {signer} is not signed; every {what} is")
        return out
    try:
        sig = Signature.model_validate(raw)
        expected = rebuild(case_id or "", data)
        accepted_at = datetime.fromisoformat(accepted)
    except (ValidationError, KeyError, TypeError, ValueError) as exc:
        say(f"the {what}'s signature or signed content cannot be read: {exc}")
        return out
    stored = data.get(stored_key)
    if stored != expected:
        differ = sorted(k for k in set(expected) | set(stored or {}) if (stored or {}).get(k) != expected.get(k))
        say(f"the stored {stored_key} differ from what the entry's data implies (in {', '.join(differ)})")
    if kind == "decision" and data.get("signed_list") is not None:
        for problem in list_membership_problems(case_id, data, sig):
            say(problem)
    elif sig.case_id != case_id:
        say(f"the signature was made for case {sig.case_id!r}, not {case_id!r}")
    if sig.stage != expected["stage"]:
        say(f"the signature was made for stage {sig.stage!r}, not {expected['stage']!r}")
    cert = sig.certificate.statement
    try:
        check_certificate(sig.certificate, root)
    except CertificateRefused as exc:
        say(f"the key of {signer} is not certified by the given root: {exc}")
        return out
    if cert.official_id != signer:
        say(f"key {sig.key_id} is certified for {cert.official_id}, but the {what} is by {signer}")
    if sig.key_id in revoked:
        at, source = revoked[sig.key_id]
        if at <= _instant(sig.signed_at) or at <= _instant(accepted_at):
            say(f"key {sig.key_id} was revoked at {at.isoformat()} ({source}), before it signed "
                f"at {sig.signed_at.isoformat()} / was accepted at {accepted_at.isoformat()}")
    if not verify(cert.public_key, expected, sig.value):
        say(f"the signature of {signer} does not verify over this {what}'s content with key {sig.key_id}")
    return out
