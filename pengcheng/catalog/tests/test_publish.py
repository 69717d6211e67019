"""Publishing an item spec again makes a new version only when something a user would see changed."""

import pytest

from pengcheng.catalog.models import MaterialKind
from pengcheng.catalog.services import publish
from pengcheng.catalog.tests.factories import item_spec
from pengcheng.core.actors import SYSTEM

pytestmark = pytest.mark.django_db


def test_the_same_spec_twice_is_unchanged_even_with_file_types_on_an_online_form() -> None:
    spec = item_spec(code="TESTPUB001")
    form = next(m for m in spec.materials if m.kind == MaterialKind.FORM)
    assert form.accepted_types, "the factory's form keeps the default file types, as an import would"
    first = publish(SYSTEM, spec)
    assert first.outcome == "created"
    assert list(first.version.materials.get(kind=MaterialKind.FORM).accepted_types) == []

    again = publish(SYSTEM, item_spec(code="TESTPUB001"))

    assert again.outcome == "unchanged"
    assert again.version.pk == first.version.pk


def test_a_changed_material_makes_a_new_version() -> None:
    publish(SYSTEM, item_spec(code="TESTPUB002"))
    spec = item_spec(code="TESTPUB002")
    spec.materials[0].required = not spec.materials[0].required

    assert publish(SYSTEM, spec).outcome == "new_version"
