"""Simulation mode, for load tests only: a case may carry a notice window shorter than 7 days.

It is the one place the 7-day minimum can be lowered, and it is fenced: the case is marked
simulated (state, search attribute, dossier); only a worker started with `--simulation` accepts it,
and that worker runs on its own task queue against its own registry file. A production worker
refuses such a case outright.
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

SIMULATION_TASK_QUEUE = "tuopin-simulation"
SIMULATION_REGISTRY_FILE = "simulation-registry.db"


class Simulation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    notice_seconds: Annotated[int, Field(ge=1, le=7 * 24 * 3600)]
