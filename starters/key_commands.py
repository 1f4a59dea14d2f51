"""`tuopin keys` (an official's own key pair) and `tuopin officials` (an administrator's registry of
public keys): the ground of 签字确认."""

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from activities.registry.keys import keys_of, register_key
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
        click.echo(f"private key  {path} (mode 0600)\nkey id       {doc['key_id']}\npublic key   {public}")


@click.group()
def officials() -> None:
    """Administer officials' public keys in the registry."""


@officials.command("register")
@click.option("--as", "official", required=True, help="The official whose key this is.")
@click.option("--public-key", required=True, help="The base64 public key `tuopin keys new` printed.")
@click.option("--by", "admin", required=True, help="The administrator registering it (kept in the registry).")
@_registry_options
def officials_register(official: str, public_key: str, admin: str, home: str, registry_url: str | None, as_json: bool) -> None:
    """Register an official's public key; signatures made with it are accepted from now on."""
    store = _store(_settings(home, registry_url))
    info = registry_call(lambda: register_key(store, official, public_key.strip(), admin, datetime.now(timezone.utc)))
    if as_json:
        render.emit_json(info.model_dump(mode="json"))
    else:
        click.echo(f"registered key {info.key_id} for {info.official_id}")


@officials.command("revoke")
@click.argument("key_id")
@click.option("--by", "admin", required=True)
@click.option("--reason", required=True)
@click.option("--address", envvar="TEMPORAL_ADDRESS", default="localhost:7233", show_default=True,
              help="The Temporal server whose open cases are told of the revocation.")
@click.option("--namespace", envvar="TEMPORAL_NAMESPACE", default="default", show_default=True)
@_registry_options
def officials_revoke(
    key_id: str, admin: str, reason: str, address: str, namespace: str, home: str, registry_url: str | None, as_json: bool
) -> None:
    """Revoke a key: signatures made with it are refused from now on, in open cases too (they are
    told at once). Running it again for a revoked key tells the open cases again."""
    import asyncio

    from starters.key_revocation import revoke

    settings = Settings.from_env(home=home, registry_url=registry_url, address=address, namespace=namespace)
    info, told = asyncio.run(revoke(settings, _store(settings), key_id, admin, reason))
    if as_json:
        render.emit_json({**info.model_dump(mode="json"), "open_cases_told": told})
    else:
        click.echo(f"revoked key {info.key_id} of {info.official_id} at {info.revoked_at}; {told} open case(s) told")


@officials.command("keys")
@click.option("--as", "official", required=True)
@_registry_options
def officials_keys(official: str, home: str, registry_url: str | None, as_json: bool) -> None:
    """An official's registered keys."""
    store = _store(_settings(home, registry_url))
    rows = [k.model_dump(mode="json") for k in registry_call(lambda: keys_of(store, official))]
    if as_json:
        render.emit_json(rows)
    else:
        click.echo(render.table_text(rows, ["key_id", "registered_at", "revoked_at", "public_key"]))
