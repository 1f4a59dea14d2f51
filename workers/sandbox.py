"""The workflow sandbox every tuopin worker, the replay test and the workflow tests run in.

temporalio 1.35's sandbox asks the sandboxed workflow for a serialization context once for every
payload of every activation and completion (three visitor passes each way), and answers each
question by compiling and `exec`-ing a small code string under the restricted importer. Measured
with py-spy on a `make bench` worker, those calls are about a fifth of the worker's CPU
(docs/performance.md). The answer needs no workflow code: it is a lookup in the instance's own
tables (which activity a command schedules). `DirectContextSandboxedWorkflowRunner` makes that
lookup a plain call; workflow code itself still runs exactly as in the stock sandbox (restricted
imports, restricted builtins, each run in its own module namespace).

What the sandbox restricts is only what it imports itself: the small per-exit-type modules. The
shared procedure (`workflows/exit_case.py`), the domain and the activity models are imported passed
through (once per worker; importing exit_case.py inside the sandbox cost 14 ms of worker CPU per case,
measured), and a passed-through module keeps the real `datetime`, `random` and `open`. Their
determinism is checked statically by tests/test_determinism.py and by replay in tests/test_replay.py.

This reaches into the SDK's private `_Instance`, so the SDK version is pinned in pyproject.toml and
tests/test_sandbox_runner.py fails loudly if that class changes shape.
"""

from __future__ import annotations

from typing import Any

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions
from temporalio.worker.workflow_sandbox._runner import _Instance

# cryptography's native module may be initialised only once per process: the sandbox must pass the
# imported one through (its lazy imports would otherwise re-import it and abort the process).
RESTRICTIONS = SandboxRestrictions.default.with_passthrough_modules("cryptography", "_cffi_backend")

_IN_SANDBOX = "__temporal_in_sandbox"


class _DirectContextInstance(_Instance):
    def _in_sandbox(self) -> Any:
        return self.globals_and_locals[_IN_SANDBOX]

    def get_serialization_context(self, command_info: Any) -> Any:
        return self._in_sandbox().get_serialization_context(command_info)

    def get_external_store_context(self, command_info: Any) -> Any:
        return self._in_sandbox().get_external_store_context(command_info)


class DirectContextSandboxedWorkflowRunner(SandboxedWorkflowRunner):
    """The stock sandbox, with serialization contexts looked up without `exec`."""

    def create_instance(self, det: Any) -> _Instance:
        return _DirectContextInstance(det, self.runner_class, self.restrictions)


def workflow_runner() -> SandboxedWorkflowRunner:
    return DirectContextSandboxedWorkflowRunner(restrictions=RESTRICTIONS)
