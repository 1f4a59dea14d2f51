"""The roles that act in 清委办〔2017〕25号's procedures (三(一)–三(四)) and the administrative level each
one acts at."""

from enum import StrEnum


class Level(StrEnum):
    household = "household"
    village = "village"
    township = "township"
    county = "county"
    city = "city"
    province = "province"


class Role(StrEnum):
    village_secretary = "village_secretary"  # 村党支部书记
    village_director = "village_director"  # 村委会主任
    work_team = "work_team"  # 驻村工作队 / 包村干部
    household_head = "household_head"  # 户主 (consent only)
    township_secretary = "township_secretary"  # 乡镇党委书记
    township_head = "township_head"  # 乡镇长
    county_group = "county_group"  # 县精准扶贫领导小组
    county_secretary = "county_secretary"  # 县委书记
    county_head = "county_head"  # 县长
    city_group = "city_group"  # 市精准扶贫领导小组
    city_secretary = "city_secretary"  # 市委书记
    city_mayor = "city_mayor"  # 市长
    province_group = "province_group"  # 省精准扶贫领导小组


ROLE_LEVEL: dict[Role, Level] = {
    Role.village_secretary: Level.village,
    Role.village_director: Level.village,
    Role.work_team: Level.village,
    Role.household_head: Level.household,
    Role.township_secretary: Level.township,
    Role.township_head: Level.township,
    Role.county_group: Level.county,
    Role.county_secretary: Level.county,
    Role.county_head: Level.county,
    Role.city_group: Level.city,
    Role.city_secretary: Level.city,
    Role.city_mayor: Level.city,
    Role.province_group: Level.province,
}

ROLE_TITLE_ZH: dict[Role, str] = {
    Role.village_secretary: "村党支部书记",
    Role.village_director: "村委会主任",
    Role.work_team: "驻村工作队",
    Role.household_head: "户主",
    Role.township_secretary: "乡镇党委书记",
    Role.township_head: "乡镇长",
    Role.county_group: "县精准扶贫领导小组",
    Role.county_secretary: "县委书记",
    Role.county_head: "县长",
    Role.city_group: "市精准扶贫领导小组",
    Role.city_secretary: "市委书记",
    Role.city_mayor: "市长",
    Role.province_group: "省精准扶贫领导小组",
}
