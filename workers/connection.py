"""How the CLI and the worker reach Temporal and encrypt what they write to it.

Connection: Temporal's environment configuration (`temporalio.envconfig`), read as the `temporal` CLI
reads it: the profile file (TEMPORAL_CONFIG_FILE, else the user's temporal.toml), the profile
TEMPORAL_PROFILE names (else "default"), and the TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
TEMPORAL_API_KEY and TEMPORAL_TLS_* variables over it. tuopin's `--address` / `--namespace` override
the address and namespace; TLS, mTLS and the API key pass through unchanged.

Codec keys: the key ring file `Settings.codec_key_file` (TUOPIN_CODEC_KEYS, else
`<home>/codec-keys.json`). A missing ring is created with a fresh key only for a plain local
connection (a loopback address, no TLS, no API key: the embedded dev server of `tuopin serve` and
the tests); against any other server a process that invented its own key would write payloads no
other worker or official could read, so there a missing ring is an error.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from temporalio.converter import DataConverter
    from temporalio.envconfig import ClientConfigProfile

    from codec.keyring import KeyRing
    from workers.settings import Settings


class ConnectionConfigError(click.ClickException):
    """The Temporal profile or the codec key ring cannot be used: a usage error (exit 2)."""

    exit_code = 2


def load_profile() -> dict[str, Any]:
    """The active envconfig profile as a dict (ClientConfigProfile.to_dict's form)."""
    from temporalio.envconfig import ClientConfigProfile

    try:
        return dict(ClientConfigProfile.load().to_dict())
    except Exception as exc:  # the SDK's core reports a bad file or profile as a plain RuntimeError
        raise ConnectionConfigError(f"cannot read Temporal's client configuration: {exc}") from None


def profile_of(settings: Settings) -> ClientConfigProfile:
    from temporalio.envconfig import ClientConfigProfile

    return ClientConfigProfile.from_dict(settings.temporal_profile)  # type: ignore[arg-type]


def connect_kwargs(settings: Settings) -> dict[str, Any]:
    """`Client.connect` keyword arguments: the profile's TLS, API key and gRPC metadata, with the
    settings' address and namespace (which already put tuopin's flags over the profile)."""
    config: dict[str, Any] = dict(profile_of(settings).to_client_connect_config())
    config["target_host"] = settings.address
    config["namespace"] = settings.namespace
    return config


def is_plain_local(settings: Settings) -> bool:
    """A loopback address reached without TLS or an API key."""
    kwargs = connect_kwargs(settings)
    if kwargs.get("tls") or kwargs.get("api_key"):
        return False
    host = settings.address.rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def codec_keys(settings: Settings) -> KeyRing:
    from codec.keyring import KeyRing, KeyRingError

    path = settings.codec_key_file
    try:
        if is_plain_local(settings):
            return KeyRing.load_or_create(path)
        return KeyRing.load(path)
    except KeyRingError as exc:
        raise ConnectionConfigError(
            f"{exc}: install the deployment's codec key ring there, or point TUOPIN_CODEC_KEYS at it"
        ) from None


def data_converter(settings: Settings) -> DataConverter:
    """tuopin's data converter with the payload codec over it, for every client and worker."""
    from codec.aes_gcm import with_codec
    from workers.data_converter import DATA_CONVERTER

    return with_codec(DATA_CONVERTER, codec_keys(settings))
