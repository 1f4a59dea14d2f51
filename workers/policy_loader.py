"""Reads the configurable policy (poverty lines, stability rule, notice rule) from data/policy/."""

import json
from pathlib import Path

from pydantic import ValidationError

from domain.policy import PolicyConfig
from domain.reminder_policy import ReminderPolicy
from domain.supervision_policy import SupervisionPolicy


class PolicyConfigError(Exception):
    """The policy files are missing or break a rule of the policy (e.g. a notice shorter than 7 days)."""


def load_policy(data_dir: Path) -> PolicyConfig:
    folder = data_dir / "policy"
    try:
        lines = json.loads((folder / "poverty_lines.json").read_text(encoding="utf-8"))
        rules = json.loads((folder / "rules.json").read_text(encoding="utf-8"))
        return PolicyConfig.from_documents(lines, rules)
    except FileNotFoundError as exc:
        raise PolicyConfigError(f"policy file missing: {exc.filename}") from None
    except (ValidationError, ValueError, KeyError) as exc:
        raise PolicyConfigError(f"policy configuration in {folder} refused: {exc}") from None


def load_reminder_policy(data_dir: Path) -> ReminderPolicy:
    path = data_dir / "policy" / "reminders.json"
    try:
        return ReminderPolicy.from_document(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise PolicyConfigError(f"policy file missing: {path}") from None
    except (ValidationError, ValueError, KeyError) as exc:
        raise PolicyConfigError(f"reminder configuration in {path} refused: {exc}") from None


def load_supervision_policy(data_dir: Path) -> SupervisionPolicy:
    """The buffer period (support_buffer_until) and the spot checks' reminder limit, from rules.json."""
    path = data_dir / "policy" / "rules.json"
    try:
        return SupervisionPolicy.from_rules(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise PolicyConfigError(f"policy file missing: {path}") from None
    except (ValidationError, ValueError, KeyError, AttributeError) as exc:
        raise PolicyConfigError(f"supervision configuration in {path} refused: {exc}") from None
