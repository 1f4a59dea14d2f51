"""`tuopin keys` (an official's own key pair) and `tuopin officials` (an administrator's registry of
public keys): the ground of 签字确认."""

from pathlib import Path
from typing import Any

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from activities.registry.keys import keys_of
from domain.signing import key_id, public_key_text
from starters import render
from starters.errors import registry_call
from starters.registry_commands import _store
from starters.signer import new_key_passphrase, write_private_key
from workers.settings import Settings


def _settings(home: str, registry_url: str | None) -> Settings:
    return Settings.from_env(home=home, registry_url=registry_url)


def _registry_options(fn: Any) -> Any:
    fn = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")(fn)
    fn = click.option("--home", envvar="TUOPIN_HOME", default=".tuopin", show_default=True)(fn)
    return click.option("--registry-url", envvar="TUOPIN_REGISTRY_URL", default=None)(fn)




@click.group()
def keys() -> None:
    """An official's own Ed25519 key pair."""


@keys.command("new")
@click.option("--as", "official", required=True, help="Your official id.")
@click.option("--dir", "folder", type=click.Path(path_type=Path, file_okay=False),
              help="Where to write the private key [default: your config folder, ~/.config/tuopin/keys].")
@click.option("--force", is_flag=True, help="Replace an existing key file.")
@click.option("--passphrase", is_flag=True,
              help="Encrypt the key with a passphrase (asked twice, or $TUOPIN_KEY_PASSPHRASE); asked again to sign.")
@_registry_options
def keys_new(official: str, folder: Path | None, force: bool, passphrase: bool, home: str, registry_url: str | None,
             as_json: bool) -> None:
    """Create a key pair: the private key stays in a file only you can read (0600); give the printed
    public key to the administrator to register (`tuopin officials register`)."""
    settings = _settings(home, registry_url)
    folder = folder or settings.key_dirs()[-2 if settings.keys_dir is None else 0]
    path = folder / f"{official}.pem"
    key = Ed25519PrivateKey.generate()
    write_private_key(path, key, overwrite=force, passphrase=new_key_passphrase() if passphrase else None)
    public = public_key_text(key.public_key())
    doc = {"official_id": official, "key_id": key_id(public), "public_key": public, "private_key_file": str(path)}
    if as_json:
        render.emit_json(doc)
    else:
        click.echo(f"private key  {path} (mode 0600)\nkey id       {doc['key_id']}\npublic key   {public}\n"
               f"Give the public key to the key administrator; save the certificate they return as "
               f"{path.with_name(official + '.cert.json')}")


@click.group()
def officials() -> None:
    """Administer officials' public keys in the registry."""


_ADMIN_KEY = click.option(
    "--admin-key", "admin_key_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The administrator's root private key [default: the demo's, in the trust folder].",
)


@officials.command("register")
@click.option("--as", "official", required=True, help="The official whose key this is.")
@click.option("--public-key", required=True, help="The base64 public key `tuopin keys new` printed.")
@click.option("--by", "admin", required=True, help="The administrator registering it (kept in the registry).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the certificate to FILE (give it to the official: <official>.cert.json beside their key).")
@_ADMIN_KEY
@_registry_options
def officials_register(official: str, public_key: str, admin: str, out: Path | None, admin_key_file: Path | None,
                       home: str, registry_url: str | None, as_json: bool) -> None:
    """Certify an official's public key with the administrator's root key and keep the certificate in
    the registry; cases accept signatures made with it from now on."""
    from domain.certificates import CertificateRefused, strict_b64
    from starters.errors import Refused
    from starters.trust_setup import admin_key, certify

    settings = _settings(home, registry_url)
    try:
        strict_b64(public_key.strip(), 32)
    except CertificateRefused as exc:
        raise Refused(f"--public-key is not a base64 Ed25519 public key: {exc}", kind="KeyRefused") from None
    root = admin_key(settings.trust_dir, admin_key_file)
    store = _store(settings)
    cert = registry_call(lambda: certify(store, root, official, public_key.strip(), admin))
    if out is not None:
        out.write_text(cert.model_dump_json() + "\n", encoding="utf-8")
    if as_json:
        render.emit_json(cert.model_dump(mode="json"))
    else:
        click.echo(f"certified key {cert.key_id} for {cert.official_id}" + (f"; certificate in {out}" if out else ""))


@officials.command("revoke")
@click.argument("key_id")
@click.option("--by", "admin", required=True)
@click.option("--reason", required=True)
@click.option("--address", envvar="TEMPORAL_ADDRESS", default="localhost:7233", show_default=True,
              help="The Temporal server whose open cases are told of the revocation.")
@click.option("--namespace", envvar="TEMPORAL_NAMESPACE", default="default", show_default=True)
@_ADMIN_KEY
@_registry_options
def officials_revoke(
    key_id: str, admin: str, reason: str, address: str, namespace: str, admin_key_file: Path | None, home: str,
    registry_url: str | None, as_json: bool,
) -> None:
    """Revoke a key with a revocation signed by the administrator's root: signatures made with it are
    refused from now on, in open cases too (they are told at once). Running it again for a revoked key
    tells the open cases again."""
    import asyncio

    from starters.key_revocation import revoke
    from starters.trust_setup import admin_key

    settings = Settings.from_env(home=home, registry_url=registry_url, address=address, namespace=namespace)
    root = admin_key(settings.trust_dir, admin_key_file)
    revocation, told = asyncio.run(revoke(settings, _store(settings), root, key_id, admin, reason))
    st = revocation.statement
    if as_json:
        render.emit_json({**revocation.model_dump(mode="json"), "open_cases_told": told})
    else:
        click.echo(f"revoked key {st.key_id} of {st.official_id} at {st.revoked_at}; {told} open case(s) told")


@officials.command("root")
@click.option("--home", envvar="TUOPIN_HOME", default=".tuopin", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def officials_root(home: str, as_json: bool) -> None:
    """Print the administrator's root public key the workers pin (give it to auditors: `dossier verify --root`)."""
    from workers.trust import TrustConfigError, read_root
    from starters.errors import BadUsage

    settings = Settings.from_env(home=home)
    try:
        root = read_root(settings.trust_dir)
    except TrustConfigError as exc:
        raise BadUsage(str(exc)) from None
    if as_json:
        render.emit_json({"root_public_key": root, "key_id": key_id(root)})
    else:
        click.echo(f"{root}\nkey id {key_id(root)}")


@officials.command("keys")
@click.option("--as", "official", required=True)
@_registry_options
def officials_keys(official: str, home: str, registry_url: str | None, as_json: bool) -> None:
    """An official's registered keys."""
    store = _store(_settings(home, registry_url))
    rows = [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
            for row in registry_call(lambda: keys_of(store, official))]
    if as_json:
        render.emit_json(rows)
    else:
        click.echo(render.table_text(rows, ["key_id", "registered_at", "revoked_at", "certified", "public_key"]))
