"""The registry facts that pre-fill (秒报) and rules (秒批) read."""

from __future__ import annotations

import datetime as dt

import pytest

from pengcheng.registries.models import PopulationRecord
from pengcheng.registries.selectors import attribute_schema, facts_for_company, facts_for_person


def test_schema_lists_population_attributes_with_types() -> None:
    population = attribute_schema()["population"]
    assert population["birth_date"] == "date"
    assert population["name"] == "string"
    assert "created_at" not in population and "id" not in population


@pytest.mark.django_db
def test_facts_for_a_person_on_record_and_absent() -> None:
    PopulationRecord.objects.create(id_number="11010519491231002X", name="张三", sex="F", birth_date="1949-12-31")
    facts = facts_for_person("11010519491231002x")
    assert facts["population"]["name"] == "张三"
    assert facts["population"]["birth_date"] == dt.date(1949, 12, 31)
    assert facts["population"]["household_division"] is None
    assert facts_for_person("110105194912310038") == {}
    assert facts_for_company("91440300MA5FXXXX0X") == {}
