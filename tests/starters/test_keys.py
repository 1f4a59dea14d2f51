"""`tuopin keys` and `tuopin officials`: private keys only their owner can read, public keys an
administrator registers and revokes."""

import json
from datetime import datetime, timezone
import os
import stat

import pytest
from click.testing import CliRunner

from starters.cli import cli
from starters.errors import Refused
from starters.signer import load_private_key
from workers.settings import Settings

OFFICIAL = "changxiao-hepai-secretary"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TUOPIN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    result = CliRunner().invoke(cli, ["registry", "seed"])
    assert result.exit_code == 0, result.output
    return tmp_path


def test_a_new_key_is_readable_by_its_owner_only_and_can_be_registered_and_revoked(home):
    made = CliRunner().invoke(cli, ["keys", "new", "--as", OFFICIAL, "--json"])
    assert made.exit_code == 0, made.output
    doc = json.loads(made.output)
    path = doc["private_key_file"]
    assert path.startswith(str(home / "config" / "tuopin" / "keys"))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = CliRunner().invoke(cli, ["keys", "new", "--as", OFFICIAL])
    assert again.exit_code == 1 and "exists already" in again.output

    registered = CliRunner().invoke(cli, ["officials", "register", "--as", OFFICIAL, "--public-key", doc["public_key"],
                                          "--by", "县扶贫办管理员", "--json"])
    assert registered.exit_code == 0, registered.output
    cert = json.loads(registered.output)["statement"]
    assert (cert["key_id"], cert["official_id"], cert["public_key"]) == (doc["key_id"], OFFICIAL, doc["public_key"])
    bad = CliRunner().invoke(cli, ["officials", "register", "--as", OFFICIAL, "--public-key", "not-base64!", "--by", "a"])
    assert bad.exit_code == 1 and "base64" in bad.output
    unknown = CliRunner().invoke(cli, ["officials", "register", "--as", "nobody", "--public-key", doc["public_key"], "--by", "a"])
    assert unknown.exit_code == 1

    # no Temporal server here: the revocation stands in the registry, and the command says the open
    # cases were not told (exit 3) and how to tell them (tests/e2e covers the told path)
    nowhere = f"127.0.0.1:{_free_port()}"
    revoked = CliRunner().invoke(cli, ["officials", "revoke", doc["key_id"], "--by", "县扶贫办管理员", "--reason", "laptop lost",
                                       "--address", nowhere])
    assert revoked.exit_code == 3, revoked.output
    assert "is revoked in the registry" in revoked.output and "Run this command again" in revoked.output
    # an unknown key is refused before anything is changed or anyone is told
    unknown_key = CliRunner().invoke(cli, ["officials", "revoke", "0123456789abcdef", "--by", "a", "--reason", "r",
                                           "--address", nowhere])
    assert unknown_key.exit_code == 1 and "no key 0123456789abcdef" in unknown_key.output
    keys = json.loads(CliRunner().invoke(cli, ["officials", "keys", "--as", OFFICIAL, "--json"]).output)
    mine = next(k for k in keys if k["key_id"] == doc["key_id"])
    assert mine["revoked_at"] is not None
    # the config folder's key is found before the demo key under home
    settings = Settings.from_env()
    assert load_private_key(settings, OFFICIAL) is not None


def test_a_private_key_readable_by_others_is_refused(home):
    settings = Settings.from_env()
    demo_key = settings.home / "keys" / f"{OFFICIAL}.pem"
    assert stat.S_IMODE(os.stat(demo_key).st_mode) == 0o600
    load_private_key(settings, OFFICIAL)
    os.chmod(demo_key, 0o644)
    with pytest.raises(Refused, match="readable by others"):
        load_private_key(settings, OFFICIAL)


def test_a_passphrase_protected_key_is_written_encrypted_and_signs_only_with_its_passphrase(tmp_path, monkeypatch):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from domain.certificates import issue_certificate
    from domain.roles import Role
    from starters.errors import BadUsage
    from starters.signer import certificate_path, load_signer

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("TUOPIN_KEY_PASSPHRASE", "清流县 2017")
    made = CliRunner().invoke(cli, ["keys", "new", "--as", OFFICIAL, "--passphrase", "--dir", str(tmp_path / "k"), "--json"])
    assert made.exit_code == 0, made.output
    made_doc = json.loads(made.output)
    path = tmp_path / "k" / f"{OFFICIAL}.pem"
    assert path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    settings = Settings(keys_dir=tmp_path / "k", home=tmp_path / "home")
    # no certificate beside the key: the official is told to get one from the administrator
    with pytest.raises(BadUsage, match="key administrator"):
        load_signer(settings, OFFICIAL)
    at = datetime.now(timezone.utc)
    cert = issue_certificate(Ed25519PrivateKey.generate(), serial="0" * 32, official_id=OFFICIAL, person_id="p-1",
                             role="village_secretary", jurisdiction_id="changxiao-hepai", public_key=made_doc["public_key"],
                             valid_from=at, issued_at=at)
    certificate_path(path).write_text(cert.model_dump_json(), encoding="utf-8")
    signer = load_signer(settings, OFFICIAL)
    assert signer.official.role == Role.village_secretary
    assert signer.private_key.public_key() is not None  # the right passphrase opens it
    monkeypatch.setenv("TUOPIN_KEY_PASSPHRASE", "wrong")
    with pytest.raises(BadUsage, match="wrong passphrase") as wrong:
        _ = load_signer(settings, OFFICIAL).private_key
    assert wrong.value.exit_code == 2
    # no passphrase and no terminal to ask on: a usage error saying how to give it
    monkeypatch.delenv("TUOPIN_KEY_PASSPHRASE")
    with pytest.raises(BadUsage, match="TUOPIN_KEY_PASSPHRASE"):
        _ = load_signer(settings, OFFICIAL).private_key


def test_keys_new_asks_for_the_passphrase_twice_on_a_terminal(tmp_path, monkeypatch):
    import starters.signer as signer_module

    monkeypatch.delenv("TUOPIN_KEY_PASSPHRASE", raising=False)
    monkeypatch.setattr(signer_module, "_interactive", lambda: True)
    made = CliRunner().invoke(cli, ["keys", "new", "--as", OFFICIAL, "--passphrase", "--dir", str(tmp_path)],
                              input="秘密口令\n秘密口令\n")
    assert made.exit_code == 0, made.output
    assert (tmp_path / f"{OFFICIAL}.pem").read_bytes().startswith(b"-----BEGIN ENCRYPTED")
    mismatch = CliRunner().invoke(cli, ["keys", "new", "--as", "other", "--passphrase", "--dir", str(tmp_path)],
                                  input="一\n二\n一\n一\n")
    assert mismatch.exit_code == 0 and "do not match" in mismatch.output.lower()


def test_the_root_is_printed_for_auditors_and_only_the_root_key_certifies(home, tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from domain.certificates import check_certificate
    from starters.signer import write_private_key

    root = json.loads(CliRunner().invoke(cli, ["officials", "root", "--json"]).output)
    made = json.loads(CliRunner().invoke(cli, ["keys", "new", "--as", OFFICIAL, "--json"]).output)
    out = tmp_path / "cert.json"
    registered = CliRunner().invoke(cli, ["officials", "register", "--as", OFFICIAL, "--public-key", made["public_key"],
                                          "--by", "a", "--out", str(out)])
    assert registered.exit_code == 0, registered.output
    from domain.certificates import KeyCertificate

    check_certificate(KeyCertificate.model_validate_json(out.read_text()), root["root_public_key"])
    # a key file that is not an Ed25519 private key, or missing, is a usage error naming --admin-key
    bad = tmp_path / "not-a-key.pem"
    bad.write_text("nonsense")
    for admin in (str(bad), str(tmp_path / "missing.pem")):
        refused = CliRunner().invoke(cli, ["officials", "register", "--as", OFFICIAL, "--public-key", made["public_key"],
                                           "--by", "a", "--admin-key", admin])
        assert refused.exit_code == 2 and "admin-key" in refused.output, refused.output
    # another key as the "root": the certificate it issues does not chain to the pinned root
    other = tmp_path / "other.pem"
    write_private_key(other, Ed25519PrivateKey.generate())
    forged = CliRunner().invoke(cli, ["officials", "register", "--as", OFFICIAL, "--public-key", made["public_key"],
                                      "--by", "a", "--admin-key", str(other), "--json"])
    assert forged.exit_code == 0, forged.output  # the registry keeps what it is given; cases decide
    with pytest.raises(Exception, match="pinned root"):
        check_certificate(KeyCertificate.model_validate_json(forged.output), root["root_public_key"])


def test_a_dossier_is_verified_only_against_a_readable_root(home, tmp_path):
    dossier = tmp_path / "d.json"
    dossier.write_text("{}")
    bad_root = tmp_path / "root.pub"
    bad_root.write_text("not a key")
    result = CliRunner().invoke(cli, ["dossier", "verify", str(dossier), "--root", str(bad_root), "--offline"])
    assert result.exit_code == 2 and "not a base64 Ed25519 public key" in result.output, result.output
