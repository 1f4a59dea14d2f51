"""Officials as the workflow knows them: a post (role in a jurisdiction) held by a person."""

from pydantic import BaseModel, ConfigDict

from domain.roles import ROLE_LEVEL, Level, Role


class Official(BaseModel):
    """One post. A person may hold several posts (e.g. 村支书 and 村主任 "一肩挑"), hence person_id."""

    model_config = ConfigDict(frozen=True)

    official_id: str
    person_id: str
    name: str
    role: Role
    jurisdiction_id: str

    @property
    def level(self) -> Level:
        return ROLE_LEVEL[self.role]


class Roster(BaseModel):
    """The officials able to act on one case, as the registry listed them when the stage began."""

    model_config = ConfigDict(frozen=True)

    officials: tuple[Official, ...] = ()

    def find(self, official_id: str) -> Official | None:
        return next((o for o in self.officials if o.official_id == official_id), None)
