"""What a notice shows from the registry (domain/notice_content.NoticeParticulars): names, the
household's village group and size, the offices' 监督电话. The household's ID number and phone are
never selected."""

from sqlalchemy import select

from activities.registry.schema import City, County, Household, Township, Village
from activities.registry.store import RegistryStore
from domain.notice_content import NoticeParticulars, SupervisionPhone
from domain.units import UnitPath

HOUSEHOLD_CASES = ("household", "enrollment")  # a household's exit and its enrolment (新增 / 返贫)


def notice_particulars(store: RegistryStore, exit_type: str, unit_id: str, path: UnitPath) -> NoticeParticulars:
    with store.session() as s:
        township = s.get(Township, path.township_id) if path.township_id else None
        county = s.get(County, path.county_id)
        city = s.get(City, path.city_id)
        village = s.get(Village, path.village_id) if path.village_id else None
        fields: dict = {
            "village_name": _village_name(village.name) if village else None,
            "township_name": township.name if township else None,
            "county_name": county.name if county else None,
        }
        if exit_type in HOUSEHOLD_CASES:
            row = s.execute(
                select(Household.head_name, Household.village_group, Household.members).where(Household.id == unit_id)
            ).one()
            fields.update(unit_name=row.head_name, village_group=row.village_group, household_size=row.members)
        else:
            unit = {"village": village, "township": township, "county": county}[exit_type]
            fields["unit_name"] = _village_name(unit.name) if exit_type == "village" else unit.name
        # households and villages: the township's office and the county's; key townships and counties: the city's too
        offices = [township, county] if exit_type in (*HOUSEHOLD_CASES, "village") else [county, city]
        phones = tuple(
            SupervisionPhone(office=_office(o), phone=o.supervision_phone)
            for o in offices if o is not None and o.supervision_phone
        )
        return NoticeParticulars(**fields, supervision_phones=phones)


def _village_name(name: str) -> str:
    return name if name.endswith("村") else f"{name}村"


def _office(unit: Township | County | City) -> str:
    if isinstance(unit, Township):
        return f"{unit.name}人民政府"
    return f"{unit.name}扶贫开发领导小组办公室"
