"""Fixtures for the licence tests: a licence type and holders on the demo city."""

from __future__ import annotations

import pytest

from pengcheng.core.models import User
from pengcheng.licences.models import LicenceType
from pengcheng.testing import make_citizen


@pytest.fixture
def residence_permit(demo_city: None) -> LicenceType:
    return LicenceType.objects.get(code="SZ-JZZ")


@pytest.fixture
def holder(demo_city: None) -> User:
    return make_citizen(full_name="张三")


@pytest.fixture
def permit_data(holder: User) -> dict:
    return {"name": holder.full_name, "id_number": holder.id_number, "address": "深圳市福田区福中三路1号", "sex": "男"}
