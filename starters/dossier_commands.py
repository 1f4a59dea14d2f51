"""`tuopin dossier CASE` (export a case's 档案), `tuopin dossier verify FILE` (check one, offline) and
`tuopin trace UNIT` (who signed what, level by level, for every exit case of a unit).

Register with ``cli.add_command(dossier)`` and ``cli.add_command(trace)``. Import ``starters.cli``
before this module (the console script does): this module uses its ``common`` decorator.
Exit codes: 0 done / verified; 1 the dossier does not verify (every problem is named) or the case
refused; 2 usage; 3 the Temporal server or the registry cannot be reached (export and trace only).
"""

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from activities.registry.case_heads import final_heads
from activities.registry.keys import revocations_by_id
from activities.registry.store import RegistryStore, RegistryUnavailable, RegistryUrlError, as_utc
from domain.anchors import DossierAnchor
from domain.case import CaseState
from domain.case_ids import exit_type_of
from domain.dossier import (
    RESOLUTION_OUTCOME,
    Problem,
    RegistryExtras,
    build_dossier,
    signature_count,
    signer_key_ids,
    simulation_of,
    verify_dossier,
)
from domain.roles import ROLE_LEVEL, Role
from domain.canonical import key_id
from domain.certificates import CertificateRefused, KeyRevocation, strict_b64
from workers.trust import ROOT_FILE
from starters import cases, render
from starters.cli_options import SAFE_ID, common, run, say
from starters.client import connect
from starters.dossier_html import NotADossierPage, carried_dossier, looks_like_html, page_matches, render_html
from starters.errors import BadUsage, Refused, Unreachable
from workflows import search_attributes as sa
from workers.settings import Settings


# -- reading the registry --------------------------------------------------------------------------
def open_registry(settings: Settings) -> RegistryStore:
    """The registry, without creating anything: a missing SQLite file is an unreachable registry."""
    try:
        url = make_url(settings.registry)
    except ArgumentError as exc:
        raise BadUsage(f"--registry-url is not a database URL: {exc}") from None
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        raise Unreachable(f"no registry at {url.database} (pass --registry-url or --home)")
    try:
        return RegistryStore.from_url(settings.registry)
    except RegistryUrlError as exc:
        raise BadUsage(str(exc)) from None
    except (SQLAlchemyError, ModuleNotFoundError) as exc:
        raise Unreachable(f"the registry cannot be opened: {exc}") from None


def _guard(fn: Any) -> Any:
    try:
        return fn()
    except (RegistryUnavailable, SQLAlchemyError) as exc:
        raise Unreachable(str(exc)) from None


def _row(row: Any, *fields: str) -> dict[str, Any]:
    return {f: as_utc(getattr(row, f)) if isinstance(getattr(row, f), datetime) else getattr(row, f) for f in fields}


def registry_extras(store: RegistryStore, state: CaseState) -> tuple[RegistryExtras, list[KeyRevocation]]:
    """The case's notice postings (with their bodies), announcements, registry rows and the revocations
    of its signers' keys."""
    ids = {d.signature.key_id for d in state.decisions if d.signature}
    ids |= {o.resolution_signature.key_id for o in state.objections if o.resolution_signature}
    ids |= {a.key_id for a in state.refused_attempts if a.key_id}

    def read() -> tuple[RegistryExtras, list[KeyRevocation]]:
        extras = RegistryExtras(
            notices=[_row(p, "window_no", "scope_level", "jurisdiction_id", "opened_at", "closes_at", "closed_at",
                          "outcome", "body") for p in store.notices(state.case_id)],
            announcements=[_row(a, "kind", "scope_level", "jurisdiction_id", "at", "body")
                           for a in store.announcements(state.case_id)],
            status_changes=[_row(c, "case_id", "unit_type", "unit_id", "year", "from_status", "to_status", "at")
                            for c in store.status_changes(state.unit_id) if c.case_id == state.case_id],
        )
        return extras, revocations_by_id(store, sorted(ids)) if ids else []

    return _guard(read)


async def export_dossier(client: Client, store: RegistryStore, case_id: str, now: datetime | None = None) -> dict[str, Any]:
    """The case's state as its workflow holds it, with the registry's extras and keys, as a dossier."""
    state = await cases.show(client, case_id)
    extras, keys = registry_extras(store, state)
    return build_dossier(state, extras, keys, now or datetime.now(timezone.utc))


def dossier_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


# -- the group: `dossier CASE` is `dossier export CASE` ---------------------------------------------
class DossierGroup(click.Group):
    """A first argument that names no subcommand is the CASE of an implicit `export`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["export", *args]
        return super().parse_args(ctx, args)


@click.group("dossier", cls=DossierGroup, subcommand_metavar="CASE [OPTIONS] | verify FILE [OPTIONS]")
def dossier() -> None:
    """档案: a case's complete trail as one hash-chained, signed, tamper-evident document.

    \b
    tuopin dossier CASE [--format json|html] [--out FILE]
        export the case (short for `tuopin dossier export CASE ...`): JSON by default,
        or one printable A4 HTML page; to stdout unless --out is given
    tuopin dossier verify FILE [--root ROOT.pub] [--registry-url URL] [--offline]
        check a JSON dossier without the Temporal server: every entry's hash, the chain,
        the head, and every signature, its key certified by the administrator's root
        (never a key the file brings alone), not revoked (the file's and, unless
        --offline, the registry's revocations); the service's anchors over the order of
        the entries (cut off, removed, duplicated or reordered entries are named) and,
        unless --offline, the final head the registry kept at 销号
    """


@dossier.command("export")
@common
@click.argument("case")
@click.option("--format", "fmt", type=click.Choice(["json", "html"]), default="json", show_default=True,
              help="JSON (verifiable with `tuopin dossier verify`) or one self-contained printable HTML page.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE instead of stdout.")
def export(settings: Settings, as_json: bool, case: str, fmt: str, out: Path | None) -> None:
    """Export CASE's dossier (also spelt `tuopin dossier CASE`)."""
    store = open_registry(settings)

    async def go() -> dict[str, Any]:
        return await export_dossier(await connect(settings), store, case)

    doc = run(go())
    text = dossier_json(doc) if fmt == "json" else render_html(doc)
    if out is None:
        click.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    summary = {"case_id": doc["case_id"], "out": str(out), "format": fmt, "entries": len(doc["entries"]),
               "signatures": signature_count(doc), "head": doc["head"]}
    say(as_json, summary, f"wrote {out}: {summary['entries']} entries, {summary['signatures']} signatures, head {doc['head']}")


def registry_view(
    settings: Settings, key_ids: list[str], case_id: Any
) -> tuple[list[KeyRevocation] | None, dict[str, DossierAnchor] | None, str]:
    """The registry's revocations of these keys and the final head it keeps for the case, or None for
    both (and why) when the registry cannot be reached."""
    try:
        store = open_registry(settings)
        found = _guard(lambda: revocations_by_id(store, key_ids))
        heads = _guard(lambda: final_heads(store, [case_id])) if isinstance(case_id, str) else {}
    except (Unreachable, BadUsage) as exc:
        return None, None, f"the registry was not consulted ({exc.format_message()})"
    kept = "the final head it keeps compared" if heads else "it keeps no final head for this case"
    return found, heads, f"the registry's revocations consulted; {kept}"


def root_key(settings: Settings, root_file: Path | None) -> tuple[str, str]:
    """The administrator's root public key to check certificates against, and where it came from."""
    path = root_file or settings.trust_dir / ROOT_FILE
    try:
        text = path.read_text(encoding="ascii").strip()
        strict_b64(text, 32)
    except FileNotFoundError:
        raise BadUsage(f"no root key at {path}: pass --root ROOT.pub (the administrator's public key, obtained from them)") from None
    except (UnicodeDecodeError, CertificateRefused) as exc:
        raise BadUsage(f"{path} is not a base64 Ed25519 public key: {exc}") from None
    where = f"from {path}" if root_file else f"from the trust folder ({path}; pass --root ROOT.pub to use one obtained from the administrator)"
    return text, f"certificates and anchors checked against the root {key_id(text)} {where}"


@dossier.command("verify")
@common
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--root", "root_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The administrator's root public key (base64), obtained from the administrator, not from the "
                   "dossier [default: the trust folder's admin-root.pub].")
@click.option("--offline", is_flag=True, help="Do not consult the registry (its revocations, the final head it keeps).")
def verify(settings: Settings, as_json: bool, file: Path, root_file: Path | None, offline: bool) -> None:
    """Verify a dossier FILE, JSON or the HTML page `dossier --format html` wrote (no Temporal server
    needed). Exit 0 when intact, 1 naming every problem."""
    doc, page = read_dossier_file(file)
    root, root_note = root_key(settings, root_file)
    registry: list[KeyRevocation] | None = None
    heads: dict[str, DossierAnchor] | None = None
    registry_note = "the registry was not consulted (--offline)"
    if not offline and isinstance(doc, dict):
        registry, heads, registry_note = registry_view(settings, signer_key_ids(doc), doc.get("case_id"))
    keys_note = f"{root_note}; {registry_note}"
    problems = verify_dossier(doc, root, registry, heads)
    if page is not None and isinstance(doc, dict) and not page_matches(page, doc):
        problems.append(Problem(seq=None, kind=None, message=(
            "the HTML page's visible content is not what the dossier it carries renders to: the page was altered")))
    if problems:
        if as_json:
            render.emit_json({"ok": False, "file": str(file), "problems": [p.model_dump() for p in problems],
                              "keys": keys_note})
            click.get_current_context().exit(1)
        listing = "\n".join(f"  {p}" for p in problems)
        raise Refused(f"{file} does not verify: {len(problems)} problem(s)\n{listing}\n({keys_note})",
                      kind="DossierInvalid")
    entries, signatures, simulation = len(doc["entries"]), signature_count(doc), simulation_of(doc)
    anchors = doc.get("anchors") or []
    closing = any(a["statement"]["final"] for a in anchors)
    text = (f"verified: {entries} entries, chain intact, {signatures} signatures valid, "
            f"order anchored by {len(anchors)} service signature(s){' up to the close' if closing else ''}\n{keys_note}")
    if simulation:
        text += (f"\nSIMULATION: a load-test case (notice shortened to {simulation.get('notice_seconds')} s), "
                 "not a real exit")
    say(as_json, {"ok": True, "file": str(file), "case_id": doc.get("case_id"), "entries": entries,
                  "signatures": signatures, "anchors": len(anchors), "closing_anchor": closing, "head": doc.get("head"), "keys": keys_note, "simulation": simulation}, text)


def read_dossier_file(file: Path) -> tuple[Any, str | None]:
    """The dossier in FILE, and the page's text when FILE is the HTML form (which carries the JSON)."""
    try:
        text = file.read_text(encoding="utf-8")
        if looks_like_html(text):
            return carried_dossier(text), text
        return json.loads(text), None
    except NotADossierPage as exc:
        raise Refused(f"{file} is not a dossier page: {exc}", kind="DossierUnreadable") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise Refused(f"{file} is not a readable dossier (JSON, or the HTML page of one): {exc}",
                      kind="DossierUnreadable") from None


# -- trace: who signed what, level by level ---------------------------------------------------------
TRACE_COLUMNS = ["case_id", "level", "stage", "outcome", "role", "official_id", "person_id", "at", "meeting_ref",
                 "superseded"]


def _level(role: str | None) -> str | None:
    try:
        return ROLE_LEVEL[Role(role)].value if role else None
    except ValueError:
        return None


def trace_rows(state: CaseState) -> list[dict[str, Any]]:
    """Every signature of one case, oldest first: decisions, consents and objection resolutions."""
    rows = [
        {"case_id": state.case_id, "status": state.status, "level": _level(d.role), "stage": d.stage,
         "stage_pass": d.stage_pass, "outcome": d.outcome, "role": d.role, "official_id": d.official_id,
         "name": d.name, "person_id": d.person_id, "jurisdiction_id": d.jurisdiction_id, "at": d.at.isoformat(),
         "meeting_ref": d.meeting_ref, "superseded": d.superseded,
         "key_id": d.signature.key_id if d.signature else None}
        for d in state.decisions
    ]
    stages = {w.window_no: w.stage for w in state.notices}
    for o in state.objections:
        if o.resolved_at is None:
            continue
        rows.append({
            "case_id": state.case_id, "status": state.status, "level": _level(o.resolver_role),
            "stage": stages.get(o.window_no), "stage_pass": None,
            "outcome": f"{RESOLUTION_OUTCOME.get(o.status, o.status)} {o.objection_id}", "role": o.resolver_role,
            "official_id": o.resolved_by, "name": None, "person_id": None, "jurisdiction_id": None,
            "at": o.resolved_at.isoformat(), "meeting_ref": None, "superseded": False,
            "key_id": o.resolution_signature.key_id if o.resolution_signature else None,
        })
    return sorted(rows, key=lambda r: datetime.fromisoformat(r["at"]))


async def case_ids_of(client: Client, store: RegistryStore, unit: str) -> tuple[list[str], list[str]]:
    """Exit cases of a unit: those the registry's status changes name (exited units), and those the
    server's visibility store lists (open and rejected ones too); with notes on what could not be asked."""
    # spot-check reversals and re-entries also write status changes: keep only exit cases
    ids = {c.case_id for c in _guard(lambda: store.status_changes(unit)) if exit_type_of(c.case_id)}
    notes: list[str] = []
    try:
        async for execution in client.list_workflows(f"{sa.UNIT_ID.name} = '{unit}'"):
            ids.add(execution.id)
    except RPCError as exc:
        if exc.status != RPCStatusCode.UNIMPLEMENTED:
            raise Unreachable(f"the Temporal server could not list the cases of {unit}: {exc.message}") from None
        notes.append("this server cannot list cases (no visibility store): only cases the registry names "
                     "(exited units) are traced")
    except RuntimeError as exc:
        raise Unreachable(f"the Temporal server could not list the cases of {unit}: {exc}") from None
    return sorted(ids), notes


async def trace_unit(client: Client, store: RegistryStore, unit: str) -> dict[str, Any]:
    """{"unit", "cases", "signatures": rows oldest first per case, "notes"}."""
    case_ids, notes = await case_ids_of(client, store, unit)
    rows: list[dict[str, Any]] = []
    for cid in case_ids:
        try:
            rows += trace_rows(await cases.show(client, cid))
        except Refused as exc:  # the registry names it, the server no longer holds it
            notes.append(f"case {cid} is named by the registry but the server cannot show it: {exc.format_message()}")
    return {"unit": unit, "cases": case_ids, "signatures": rows, "notes": notes}


@click.command("trace")
@common
@click.argument("unit")
def trace(settings: Settings, as_json: bool, unit: str) -> None:
    """Who signed at each level, and when, for every exit case of UNIT (a household, village, township or
    county id): stage, role, official, person, time, meeting ref and whether a return superseded it."""
    if not SAFE_ID.match(unit) or "'" in unit:
        raise BadUsage(f"{unit!r} is not a unit id")
    store = open_registry(settings)

    async def go() -> dict[str, Any]:
        return await trace_unit(await connect(settings), store, unit)

    found = run(go())
    if as_json:
        render.emit_json(found)
        return
    if not found["cases"]:
        click.echo(f"no exit case of {unit} in the registry or on the server")
    else:
        click.echo(render.table_text(found["signatures"], TRACE_COLUMNS))
    for note in found["notes"]:
        click.echo(f"note: {note}", err=True)
