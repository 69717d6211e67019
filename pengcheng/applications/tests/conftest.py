from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _fresh_search_index() -> Iterator[None]:
    """Items published inside a rolled-back test must not linger in the process's search index."""
    yield
    from pengcheng.catalog import search

    search.reset()


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def pdf(name: str = "scan.pdf", data: bytes = PDF):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/pdf")


VALID_FORM = {
    "applicant_name": "陈小明",
    "phone": "19900000001",
    "reason": "家庭突发困难，申请救助。",
    "delivery": "online",
    "declaration": True,
}


def valid_form(user) -> dict:
    return {**VALID_FORM, "id_number": user.id_number}


@pytest.fixture
def item(demo_city):
    """A citywide city-level item of 市民政局 with an upload, a licence and an on-form material."""
    from pengcheng.catalog.tests.factories import make_item

    return make_item()


@pytest.fixture
def applicant(demo_city):
    from pengcheng.testing import community, make_citizen

    return make_citizen(residence=community("440304"))


@pytest.fixture
def handler(demo_city):
    from pengcheng.testing import make_staff

    return make_staff("clerk", "440300-MZJ")


@pytest.fixture
def draft(item, applicant):
    from pengcheng.applications import services

    application = services.start(applicant, item)
    services.attach(applicant, application, "letter", pdf())
    services.attach(applicant, application, "id_card", pdf("id.pdf"))
    return application


@pytest.fixture
def submitted(draft, applicant):
    from pengcheng.applications import services

    return services.submit(applicant, draft, form_data=valid_form(applicant))
