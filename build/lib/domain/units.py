"""Where a unit sits in the administrative tree, so a stage can name the jurisdiction it needs."""

from pydantic import BaseModel, ConfigDict

from domain.roles import Level


class UnitPath(BaseModel):
    """The chain of jurisdiction ids above (and including) a unit; lower levels may be absent."""

    model_config = ConfigDict(frozen=True)

    province_id: str
    city_id: str
    county_id: str
    township_id: str | None = None
    village_id: str | None = None
    household_id: str | None = None

    def jurisdiction(self, level: Level) -> str:
        value = {
            Level.province: self.province_id,
            Level.city: self.city_id,
            Level.county: self.county_id,
            Level.township: self.township_id,
            Level.village: self.village_id,
            Level.household: self.household_id,
        }[level]
        if value is None:
            raise ValueError(f"this unit has no {level.value} level above it")
        return value

    def jurisdiction_ids(self) -> list[str]:
        return [
            j
            for j in (
                self.household_id,
                self.village_id,
                self.township_id,
                self.county_id,
                self.city_id,
                self.province_id,
            )
            if j is not None
        ]
