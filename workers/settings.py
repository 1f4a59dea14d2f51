"""One Settings object, built at each entry point from flags and the environment, passed down."""

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.simulation import SIMULATION_REGISTRY_FILE

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TASK_QUEUE = "tuopin-cases"


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    address: str = "localhost:7233"
    namespace: str = "default"
    task_queue: str = DEFAULT_TASK_QUEUE
    home: Path = Path(".tuopin")
    registry_url: str | None = None
    data_dir: Path = PROJECT_ROOT / "data"
    ui_port: int = 8233
    keys_dir: Path | None = None  # where officials' private keys are looked for first
    trust: Path | None = None  # the trust folder (workers/trust.py) [default: <home>/trust]
    simulation: bool = False  # a load-test worker: see domain/simulation.py
    log_format: Literal["auto", "json", "console"] = "auto"
    # Temporal's client configuration profile (workers/connection.py): TLS, mTLS, API key
    temporal_profile: dict[str, Any] = Field(default_factory=dict, repr=False)
    codec_keys: Path | None = None  # the payload codec's key ring [default: <home>/codec-keys.json]

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        """Flags (`overrides`; None means not given) over the environment over the defaults; the
        address and namespace come from Temporal's profile (its file and TEMPORAL_* variables)."""
        from workers.connection import load_profile

        env = os.environ
        profile = load_profile()
        values: dict[str, object] = {
            "address": profile.get("address"),
            "namespace": profile.get("namespace"),
            "temporal_profile": profile,
            "codec_keys": env.get("TUOPIN_CODEC_KEYS"),
            "task_queue": env.get("TUOPIN_TASK_QUEUE"),
            "home": env.get("TUOPIN_HOME"),
            "registry_url": env.get("TUOPIN_REGISTRY_URL"),
            "data_dir": env.get("TUOPIN_DATA_DIR"),
            "log_format": env.get("TUOPIN_LOG_FORMAT"),
            "keys_dir": env.get("TUOPIN_KEYS_DIR"),
            "trust": env.get("TUOPIN_TRUST_DIR"),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**{k: v for k, v in values.items() if v is not None})

    @property
    def codec_key_file(self) -> Path:
        return self.codec_keys or self.home / "codec-keys.json"

    def key_dirs(self) -> list[Path]:
        """Private keys: TUOPIN_KEYS_DIR, then the user's config folder, then the demo keys under home."""
        config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "tuopin" / "keys"
        return [d for d in (self.keys_dir, config, self.home / "keys") if d is not None]

    @property
    def trust_dir(self) -> Path:
        return self.trust or self.home / "trust"

    @property
    def registry(self) -> str:
        name = SIMULATION_REGISTRY_FILE if self.simulation else "registry.db"
        return self.registry_url or f"sqlite:///{(self.home / name).resolve()}"

    @property
    def production_registry(self) -> str:
        return f"sqlite:///{(self.home / 'registry.db').resolve()}"
