import datetime as dt

import pytest

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def pdf(name: str = "scan.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def elder(birth: dt.date = dt.date(1940, 3, 1), district: str = "440304", household: str | None = None):
    """A citizen living in ``district`` with a population record (born ``birth``)."""
    from pengcheng.core import identifiers
    from pengcheng.core.models import Division, DivisionLevel
    from pengcheng.registries.models import PopulationRecord, Sex
    from pengcheng.testing import community, make_citizen

    residence = community(district)
    if household:  # a division outside the seeded city (e.g. Beijing's Chaoyang district)
        Division.objects.get_or_create(code=household, defaults={"name": "外市", "level": DivisionLevel.DISTRICT})
    citizen = make_citizen(residence=residence)
    first17 = f"440399{birth:%Y%m%d}{citizen.pk % 1000:03d}"
    citizen.id_number = first17 + identifiers.id_number_check_digit(first17)
    citizen.save(update_fields=["id_number"])
    PopulationRecord.objects.create(
        id_number=citizen.id_number,
        name=citizen.full_name,
        sex=Sex.MALE,
        birth_date=birth,
        household_division_id=household if household is not None else residence.code,
    )
    return citizen


def allowance_form(user) -> dict:
    return {
        "applicant_name": user.full_name,
        "id_number": user.id_number,
        "phone": user.phone,
        "birth_date": "1940-03-01",
        "household_address": "深圳市福田区福中三路2号",
        "bank_name": "中国银行",
        "bank_account": "6217000000000000",
        "delivery": "online",
        "declaration": True,
    }


@pytest.fixture
def allowance_item(demo_city):
    from pengcheng.catalog.models import ServiceItem

    return ServiceItem.objects.get(code="440304MZ1001")


def apply_for_allowance(user, item, **form):
    from pengcheng.applications import services

    application = services.start(user, item)
    services.attach(user, application, "id_card", pdf())
    services.attach(user, application, "household_register", pdf("hukou.pdf"))
    return services.submit(user, application, form_data={**allowance_form(user), **form})
