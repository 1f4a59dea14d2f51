"""The working-year acts as the registry keeps them: read, checked against a root, and appended.

The registry stores the administrator's signed acts; it does not make them. Which year is the working
year is decided by domain/working_year.py over the acts, with the root the caller pins.
"""

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from activities.registry.schema import WorkingYear
from activities.registry.store import RegistryStore
from domain.working_year import WorkingYearAct, WorkingYearRefused, next_act_problem, working_year


def acts(store: RegistryStore) -> list[WorkingYearAct]:
    with store.session() as s:
        return [_act(row) for row in s.scalars(select(WorkingYear).order_by(WorkingYear.year))]


def _act(row: WorkingYear) -> WorkingYearAct:
    """A row someone wrote into the table by hand (not an act at all) refuses, as a forged act does:
    a refusal is final, where a parse error would leave every opening retrying as if the registry were down."""
    try:
        return WorkingYearAct.model_validate_json(row.act)
    except ValidationError:
        raise WorkingYearRefused(
            f"the working-year row for {row.year} is not a signed act: the registry's record of working years is broken"
        ) from None


def current_year(store: RegistryStore, root_public_key: str) -> int | None:
    """The working year, every act verified against the root; None when no act was ever made."""
    return working_year(acts(store), root_public_key)


def record_act(store: RegistryStore, act: WorkingYearAct, root_public_key: str, calendar_year: int) -> WorkingYearAct:
    """Appends the act if it moves the working year forward by one; otherwise refuses, naming why,
    and writes nothing. Two administrators racing for the same year: the second is refused."""
    current = current_year(store, root_public_key)
    problem = next_act_problem(current, act.year, calendar_year)
    if problem is None and act.statement.previous != current:
        problem = f"the act names {act.statement.previous} as the year before; the working year is {current}"
    if problem is None and working_year([*acts(store), act], root_public_key) != act.year:
        problem = "the act does not extend the chain of working years"
    if problem:
        raise WorkingYearRefused(problem)
    s_ = act.statement
    try:
        with store.session() as s:
            s.add(WorkingYear(year=s_.year, previous=s_.previous, set_by=s_.set_by, set_at=s_.set_at,
                              act=act.model_dump_json()))
    except IntegrityError:
        raise WorkingYearRefused(f"another act set the working year after {current} at the same time; read it again") from None
    return act
