"""A household's facts and place come from one joined read (every opening asks for them twice); they
must be exactly what the registry's rows say, on SQLite and PostgreSQL alike."""

import pytest
from sqlalchemy import select

from activities.registry.schema import Household, HouseholdIncome
from activities.registry.store import RegistryStore
from domain.refusals import UnitNotFound
from tests.support import small_registry


@pytest.fixture(scope="module")
def store(registry_url: str, tmp_path_factory: pytest.TempPathFactory) -> RegistryStore:
    store = RegistryStore.from_url(registry_url)
    small_registry.build(store, tmp_path_factory.mktemp("keys"))
    return store


def test_facts_and_place_are_the_rows_of_the_registry(store):
    with store.session() as s:
        households = s.scalars(select(Household)).all()
        assert households
        for row in households:
            facts, path = store.household_case_data(row.id)
            incomes = {i.year: i.per_capita_income for i in s.scalars(select(HouseholdIncome).where(HouseholdIncome.household_id == row.id))}
            assert (facts.household_id, facts.village_id, facts.members, facts.status) == (row.id, row.village_id, row.members, row.status)
            assert facts.per_capita_income == incomes
            assert (facts.guarantees.food_and_clothing, facts.guarantees.compulsory_education,
                    facts.guarantees.basic_medical_care, facts.guarantees.safe_housing) == (
                row.food_and_clothing, row.compulsory_education, row.basic_medical_care, row.safe_housing)
            assert path == store.village_path(s, row.village_id).model_copy(update={"household_id": row.id})


def test_an_unknown_household_is_named(store):
    with pytest.raises(UnitNotFound, match="no household 'nowhere-e999'"):
        store.household_case_data("nowhere-e999")
