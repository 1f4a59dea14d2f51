"""The workflow runner every tuopin worker, the replay test and the workflow tests use.

Workflow code runs without the SDK's sandbox: the sandbox only restricts the modules it imports
itself, and tuopin's workflow code is nearly all in modules imported passed through (the shared
procedure, the domain, the activity models), which it does not guard. tests/test_determinism.py is
the guard instead: it follows the imports from workflows/ and reads every module workflow code
runs for the clock, chance, the environment, files, sockets and module state shared between runs;
tests/test_replay.py replays recorded cases. docs/deployment.md says why, with measurements.
"""

from temporalio.worker import UnsandboxedWorkflowRunner, WorkflowRunner


def workflow_runner() -> WorkflowRunner:
    # unsandboxed: tests/test_determinism.py guards determinism (docs/deployment.md, "The workflow runner")
    return UnsandboxedWorkflowRunner()
