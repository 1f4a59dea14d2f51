"""One Settings object, built at each entry point from flags and the environment, passed down."""

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

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

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        env = os.environ
        values: dict[str, object] = {
            "address": env.get("TEMPORAL_ADDRESS"),
            "namespace": env.get("TEMPORAL_NAMESPACE"),
            "task_queue": env.get("TUOPIN_TASK_QUEUE"),
            "home": env.get("TUOPIN_HOME"),
            "registry_url": env.get("TUOPIN_REGISTRY_URL"),
            "data_dir": env.get("TUOPIN_DATA_DIR"),
            "log_format": env.get("TUOPIN_LOG_FORMAT"),
            "keys_dir": env.get("TUOPIN_KEYS_DIR"),
            "trust": env.get("TUOPIN_TRUST_DIR"),
        }
        values.update(overrides)
        return cls(**{k: v for k, v in values.items() if v is not None})

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
