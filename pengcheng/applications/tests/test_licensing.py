"""免证办 (a licence instead of an upload) and licences issued when an application is approved."""

import datetime as dt

import pytest
from django.utils import timezone

from pengcheng.applications import licensing, services
from pengcheng.applications.models import State
from pengcheng.applications.tests.conftest import pdf, valid_form
from pengcheng.audit.models import AuditRecord
from pengcheng.catalog.demo_items import CITY_ITEMS, DISTRICT_ITEMS
from pengcheng.catalog.models import MaterialKind
from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import AccessDenied, Conflict, ValidationFailed
from pengcheng.licences import selectors as licence_selectors
from pengcheng.licences import services as licence_services
from pengcheng.licences.models import Licence, LicenceState, LicenceUse, UseKind
from pengcheng.testing import login_client, make_citizen, make_staff


def id_card(holder, **data) -> Licence:
    licence_type = licence_selectors.type_by_code("GA-SFZ")
    assert licence_type is not None
    fields = {"name": holder.full_name, "sex": "男", "birth_date": "1990-01-01", "id_number": holder.id_number}
    return licence_services.issue_licence(SYSTEM, licence_type, holder, {**fields, **data})


def test_an_authorised_licence_replaces_the_upload(item, applicant) -> None:
    licence = id_card(applicant)
    application = services.start(applicant, item)
    services.attach(applicant, application, "letter", pdf())
    choice = licensing.licence_choices(application)
    (offer,) = choice.values()
    assert offer.licence == licence and offer.use is None and offer.reason == "ok"
    assert [m.key for m in services.missing_materials(application)] == ["id_card"]

    use = licensing.use_licence(applicant, application, "id_card")
    assert use.kind == UseKind.AUTHORISED and use.licence == licence
    assert use.reference == f"application:{application.number}/id_card"
    assert services.missing_materials(application) == []
    services.submit(applicant, application, form_data=valid_form(applicant))
    assert application.state == State.SUBMITTED
    assert not application.attachments.filter(material__key="id_card").exists()  # nothing uploaded
    # The holder's wallet shows the use; the audit log has it too.
    assert LicenceUse.objects.filter(licence=licence, kind=UseKind.AUTHORISED).count() == 1
    assert AuditRecord.objects.filter(action="applications.licence_used", object_id=str(application.pk)).exists()
    (used,) = [c for c in licensing.licence_choices(application).values() if c.use]
    assert ("姓名", applicant.full_name) in used.verified_data


@pytest.mark.parametrize("change", ["missing", "expired", "revoked", "suspended"])
def test_unusable_licences_fall_back_to_an_upload_with_the_reason(item, applicant, change) -> None:
    if change != "missing":
        licence = id_card(applicant)
        if change == "expired":
            Licence.objects.filter(pk=licence.pk).update(valid_until=timezone.now() - dt.timedelta(days=1))
        else:
            licence_services.change_state(SYSTEM, licence, change, "test")
    application = services.start(applicant, item)
    (offer,) = licensing.licence_choices(application).values()
    assert offer.licence is None and offer.reason == change
    assert offer.message == str(licence_selectors.USABLE_REASONS[change])
    with pytest.raises(ValidationFailed) as refused:
        licensing.use_licence(applicant, application, "id_card")
    assert refused.value.field_errors == {"material:id_card": [offer.message]}
    # An upload still satisfies the material.
    services.attach(applicant, application, "letter", pdf())
    services.attach(applicant, application, "id_card", pdf("copy.pdf"))
    services.submit(applicant, application, form_data=valid_form(applicant))
    assert application.state == State.SUBMITTED


def test_a_licence_revoked_after_authorisation_no_longer_counts(item, applicant) -> None:
    licence = id_card(applicant)
    application = services.start(applicant, item)
    services.attach(applicant, application, "letter", pdf())
    licensing.use_licence(applicant, application, "id_card")
    licence_services.change_state(SYSTEM, licence, LicenceState.REVOKED, "stolen")
    with pytest.raises(ValidationFailed) as refused:
        services.submit(applicant, application, form_data=valid_form(applicant))
    assert "material:id_card" in refused.value.field_errors


def test_only_the_applicant_may_use_a_licence_and_only_while_editable(item, applicant) -> None:
    id_card(applicant)
    application = services.start(applicant, item)
    with pytest.raises(AccessDenied):
        licensing.use_licence(make_citizen(), application, "id_card")
    services.attach(applicant, application, "letter", pdf())
    licensing.use_licence(applicant, application, "id_card")
    services.submit(applicant, application, form_data=valid_form(applicant))
    with pytest.raises(Conflict):
        licensing.use_licence(applicant, application, "id_card")


def _approve(application, handler):
    services.accept(handler, application)
    services.start_review(handler, application)
    return services.approve(handler, application, "同意")


ISSUE_PERMIT = {
    "issue_licence": {
        "type": "SZ-JZZ",
        "data": {
            "name": "applicant.full_name",
            "id_number": "applicant.id_number",
            "address": "form.reason",
            "issue_date": "today",
        },
    }
}


def test_approval_issues_the_configured_licence(applicant, handler) -> None:
    from pengcheng.catalog.tests.factories import make_item

    item = make_item(extensions=ISSUE_PERMIT)
    application = services.start(applicant, item)
    services.attach(applicant, application, "letter", pdf())
    services.attach(applicant, application, "id_card", pdf())
    services.submit(applicant, application, form_data=valid_form(applicant))
    _approve(application, handler)
    application.refresh_from_db()
    issued = application.extensions["licence"]
    licence = Licence.objects.get(pk=issued["id"])
    assert licence.licence_type.code == "SZ-JZZ" and licence.state == LicenceState.ACTIVE
    assert licence.holder_identifier == applicant.id_number
    assert licence.data["address"] == valid_form(applicant)["reason"]
    assert licence.source_reference == application.number
    assert licence.number in application.result
    assert licence_selectors.usable_licence(applicant, "SZ-JZZ")[0] == licence
    page = login_client(applicant.username).get(f"/my/applications/{application.number}/").content.decode()
    assert licence.number in page


def test_a_licence_that_cannot_be_issued_stops_the_approval(applicant, handler) -> None:
    from pengcheng.catalog.tests.factories import make_item

    broken = {"issue_licence": {"type": "SZ-JZZ", "data": {"name": "applicant.full_name"}}}  # no id or address
    item = make_item(extensions=broken)
    application = services.start(applicant, item)
    services.attach(applicant, application, "letter", pdf())
    services.attach(applicant, application, "id_card", pdf())
    services.submit(applicant, application, form_data=valid_form(applicant))
    services.accept(handler, application)
    services.start_review(handler, application)
    with pytest.raises(ValidationFailed) as refused:
        services.approve(handler, application, "同意")
    assert any("id_number" in problem for problem in refused.value.field_errors["licence"])
    application.refresh_from_db()
    assert application.state == State.UNDER_REVIEW  # the approval rolled back with the licence
    assert not Licence.objects.filter(source_reference=application.number).exists()


def test_the_application_page_offers_the_licence_and_keeps_typed_data(item, applicant) -> None:
    id_card(applicant)
    application = services.start(applicant, item)
    client = login_client(applicant.username)
    url = f"/my/applications/{application.number}/edit/"
    page = client.get(url).content.decode()
    assert 'name="use_licence" value="id_card"' in page
    response = client.post(url, {"use_licence": "id_card", "reason": "先填写的说明文字"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "先填写的说明文字" in page
    assert 'name="use_licence"' not in page
    assert "file-id_card" not in page  # no upload field for a material the licence satisfies


def test_the_clerk_sees_the_verified_licence_data(item, applicant) -> None:
    id_card(applicant)
    application = services.start(applicant, item)
    services.attach(applicant, application, "letter", pdf())
    licensing.use_licence(applicant, application, "id_card")
    services.submit(applicant, application, form_data=valid_form(applicant))
    clerk = make_staff("clerk", "440300-MZJ")  # the handling department of the test item
    page = login_client(clerk.username).get(f"/console/applications/{application.number}/")
    html = page.content.decode()
    assert "居民身份证" in html and applicant.id_number in html


def test_demo_items_refer_only_to_licence_types_that_exist(demo_city) -> None:
    known = set(licence_selectors.active_types().values_list("code", flat=True))
    for item in CITY_ITEMS + DISTRICT_ITEMS:
        for material in item.materials:
            if material.kind == MaterialKind.LICENCE:
                assert material.licence_type in known, (item.name, material.licence_type)
        config = item.extensions.get("issue_licence")
        if config:
            licence_type = licence_selectors.type_by_code(config["type"])
            assert licence_type is not None, item.name
            assert set(licence_type.schema["required"]) <= set(config["data"]), item.name
