"""Catalogue pages and API."""

from pengcheng.audit.models import AuditRecord
from pengcheng.catalog.models import ServiceItem


def test_catalogue_search_page(client, demo_city) -> None:
    page = client.get("/services/", {"q": "高龄津贴", "district": "440304"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "高龄老人津贴申领" in text and 'role="search"' in text


def test_item_guide_shows_limits_materials_and_form(client, demo_city) -> None:
    page = client.get("/services/440304MZ1001/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "高龄老人津贴申领" in text and "居民户口簿" in text and "银行账号" in text
    assert "全市域通办" in text


def test_unknown_and_offline_items_are_404(client, demo_city) -> None:
    assert client.get("/services/NOPE/").status_code == 404
    ServiceItem.objects.filter(code="440300GA0005").update(status="offline")
    assert client.get("/services/440300GA0005/").status_code == 404


def test_catalogue_management_is_for_operators(client_for, demo_city) -> None:
    assert client_for("operator").get("/console/catalog/").status_code == 200
    response = client_for("operator").post("/console/catalog/440300GA0005/status/", {"status": "offline"})
    assert response.status_code == 302
    assert ServiceItem.objects.get(code="440300GA0005").status == "offline"
    assert client_for("clerk").get("/console/catalog/").status_code == 403
    assert AuditRecord.objects.filter(action="permission.denied", summary__startswith="catalog.manage").exists()
    assert client_for("clerk").post("/console/catalog/440300GA0005/status/", {"status": "online"}).status_code == 403


def test_api_search_and_detail(client, demo_city) -> None:
    body = client.get("/api/v1/catalog/items", {"q": "居住证签注", "per_page": 3}).json()
    assert body["items"][0]["code"] == "440300GA0001" and body["per_page"] == 3
    detail = client.get("/api/v1/catalog/items/440300GA0001").json()
    assert detail["promised_limit"] == {"days": 1, "unit": "working"}
    assert {m["kind"] for m in detail["materials"]} == {"licence", "upload"}
    assert detail["form_schema"]["properties"]["permit_number"]["pattern"]
    assert detail["tongban"] == ["city"]


def test_api_refuses_bad_parameters_with_the_envelope(client, demo_city) -> None:
    response = client.get("/api/v1/catalog/items", {"per_page": 1000})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    missing = client.get("/api/v1/catalog/items/NOPE")
    assert missing.status_code == 404 and missing.json()["error"]["status"] == 404
