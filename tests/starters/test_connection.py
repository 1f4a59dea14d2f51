"""Connection settings from Temporal's environment configuration (the profile file and TEMPORAL_*
variables, as the `temporal` CLI reads them), with tuopin's --address / --namespace over them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from temporalio.service import TLSConfig
from temporalio.testing import WorkflowEnvironment

from tests.e2e.conftest import free_port
from workers.connection import connect_kwargs, is_plain_local
from workers.settings import Settings
from workflows import search_attributes as sa

BIN = Path(sys.executable).parent
PROFILES = """
[profile.default]
address = "temporal.county.example:7233"
namespace = "qingliu"
api_key = "key-of-the-county"

[profile.mtls]
address = "frontend.internal:7233"
namespace = "qingliu-prod"
[profile.mtls.tls]
server_name = "frontend.internal"
server_ca_cert_path = "{dir}/ca.pem"
client_cert_path = "{dir}/worker.pem"
client_key_path = "{dir}/worker.key"
"""


@pytest.fixture
def profile_file(tmp_path, monkeypatch) -> Path:
    for name in list(os.environ):
        if name.startswith("TEMPORAL_"):
            monkeypatch.delenv(name)
    for name in ("ca.pem", "worker.pem", "worker.key"):
        (tmp_path / name).write_bytes(f"-----{name}-----".encode())
    path = tmp_path / "temporal.toml"
    path.write_text(PROFILES.format(dir=tmp_path))
    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", str(path))
    return path


def test_the_profile_gives_address_namespace_and_api_key(profile_file):
    settings = Settings.from_env()
    assert (settings.address, settings.namespace) == ("temporal.county.example:7233", "qingliu")
    kwargs = connect_kwargs(settings)
    assert kwargs["target_host"] == "temporal.county.example:7233" and kwargs["namespace"] == "qingliu"
    assert kwargs["api_key"] == "key-of-the-county" and kwargs["tls"] is True  # an API key implies TLS
    assert "key-of-the-county" not in repr(settings)
    assert not is_plain_local(settings)


def test_flags_override_the_profile_and_tls_passes_through(profile_file, monkeypatch):
    monkeypatch.setenv("TEMPORAL_PROFILE", "mtls")
    settings = Settings.from_env(address="10.0.0.5:7233", namespace=None)
    kwargs = connect_kwargs(settings)
    assert kwargs["target_host"] == "10.0.0.5:7233" and kwargs["namespace"] == "qingliu-prod"
    tls = kwargs["tls"]
    assert isinstance(tls, TLSConfig) and tls.domain == "frontend.internal"
    assert tls.client_cert == b"-----worker.pem-----" and tls.client_private_key == b"-----worker.key-----"
    assert tls.server_root_ca_cert == b"-----ca.pem-----"


def test_environment_variables_override_the_file(profile_file, monkeypatch):
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:7999")
    monkeypatch.setenv("TEMPORAL_API_KEY", "from-env")
    settings = Settings.from_env()
    assert settings.address == "127.0.0.1:7999" and connect_kwargs(settings)["api_key"] == "from-env"


def test_no_profile_means_the_local_default(tmp_path, monkeypatch):
    for name in list(os.environ):
        if name.startswith("TEMPORAL_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", str(tmp_path / "absent.toml"))
    settings = Settings.from_env()
    assert (settings.address, settings.namespace) == ("localhost:7233", "default")
    assert connect_kwargs(settings) == {"target_host": "localhost:7233", "namespace": "default"}
    assert is_plain_local(settings)


async def test_the_cli_reaches_a_server_named_only_by_a_profile_file(tmp_path):
    port = free_port()
    env = await WorkflowEnvironment.start_local(
        port=port, ui=False, search_attributes=sa.ALL, dev_server_existing_path=str(BIN / "temporal"),
        dev_server_log_level="error",
    )
    try:
        config = tmp_path / "temporal.toml"
        config.write_text(f'[profile.county]\naddress = "127.0.0.1:{port}"\nnamespace = "default"\n')
        child_env = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "TUOPIN_"))}
        child_env |= {"TEMPORAL_CONFIG_FILE": str(config), "TEMPORAL_PROFILE": "county", "TUOPIN_HOME": str(tmp_path / "home")}
        listed = subprocess.run([str(BIN / "tuopin"), "list", "--json"], env=child_env, capture_output=True, text=True,
                                timeout=60, stdin=subprocess.DEVNULL)
        assert listed.returncode == 0, listed.stderr
        assert json.loads(listed.stdout) == []
        # the same profile with another namespace: the server is asked for that one
        config.write_text(f'[profile.county]\naddress = "127.0.0.1:{port}"\nnamespace = "no-such-namespace"\n')
        refused = subprocess.run([str(BIN / "tuopin"), "list", "--json"], env=child_env, capture_output=True,
                                 text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert refused.returncode != 0 and "no-such-namespace" in refused.stdout + refused.stderr
    finally:
        await env.shutdown()
