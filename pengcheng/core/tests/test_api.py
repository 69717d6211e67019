"""The API shell: authentication, the error envelope, OpenAPI."""

import pytest
from django.test import Client

from pengcheng.core.actors import SYSTEM
from pengcheng.core.models import User
from pengcheng.core.services import create_api_key, revoke_api_key


@pytest.fixture
def api_key(demo_city: None) -> str:
    return create_api_key(SYSTEM, name="test", scopes=["core"], owner=User.objects.get(username="clerk")).raw


def _error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["status"] == response.status_code
    return body["error"]


def test_openapi_is_published(db: None) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["info"]["title"] == "Pengcheng API"
    assert "/api/v1/divisions" in spec["paths"]


def test_the_api_docs_page_works_without_a_cdn(db: None) -> None:
    """Swagger UI comes from our own static files (a closed government network reaches no CDN)."""
    from django.contrib.staticfiles import finders

    page = Client().get("/api/v1/docs", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert page.status_code == 200 and '<html lang="zh-CN">' in html and "<main>" in html
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html
    for name in ("ninja/swagger-ui-bundle.js", "ninja/swagger-ui-init.js", "ninja/swagger-ui.css"):
        assert f"/static/{name}" in html and finders.find(name)


def test_anonymous_calls_get_401_in_the_envelope(db: None) -> None:
    error = _error(Client().get("/api/v1/divisions"))
    assert error["code"] == "unauthenticated"


def test_api_key_in_header_or_bearer(api_key: str) -> None:
    client = Client()
    response = client.get("/api/v1/divisions", {"level": "district"}, HTTP_X_API_KEY=api_key)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 9
    assert {item["name"] for item in body["items"]} >= {"福田区", "南山区"}
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {api_key}")
    assert response.json()["username"] == "clerk"
    assert response.json()["roles"] == ["clerk"]


def test_wrong_and_revoked_keys_are_refused(api_key: str) -> None:
    assert Client().get("/api/v1/me", HTTP_X_API_KEY=api_key + "x").status_code == 401
    from pengcheng.core.models import ApiKey
    from pengcheng.core.services import hash_api_key

    revoke_api_key(SYSTEM, ApiKey.objects.get(key_hash=hash_api_key(api_key)))
    assert Client().get("/api/v1/me", HTTP_X_API_KEY=api_key).status_code == 401


def test_session_authentication(client_for) -> None:
    response = client_for("citizen").get("/api/v1/me")
    assert response.status_code == 200
    me = response.json()
    assert me["kind"] == "citizen"
    assert me["id_number"].startswith("4403") and "*" in me["id_number"]  # masked


def test_validation_errors_are_422_with_field_details(api_key: str) -> None:
    response = Client().get("/api/v1/divisions", {"limit": "many"}, HTTP_X_API_KEY=api_key)
    assert response.status_code == 422
    error = _error(response)
    assert error["code"] == "validation_error"
    assert any("limit" in detail["field"] for detail in error["details"])


def test_unknown_api_path_is_404_in_the_envelope(db: None) -> None:
    for path in ("/api/v1/nothing-here", "/api/v9/x", "/api/"):
        response = Client().get(path)
        assert response.status_code == 404, path
        assert _error(response)["code"] == "not_found"


def test_unknown_object_is_404_in_the_envelope(api_key: str) -> None:
    response = Client().get("/api/v1/divisions/999999", HTTP_X_API_KEY=api_key)
    assert response.status_code == 404
    assert "999999" in _error(response)["message"]


def test_division_children_and_departments(api_key: str) -> None:
    client = Client(HTTP_X_API_KEY=api_key)
    streets = client.get("/api/v1/divisions/440304/children").json()
    assert len(streets) == 11 and all(s["level"] == "street" for s in streets)
    departments = client.get("/api/v1/departments", {"q": "市场监督"}).json()
    assert departments["items"][0]["code"] == "440300-SCJGJ"
    assert client.get("/api/v1/departments/440304-ZSJ").json()["parent_code"] == "440304-GOV"


def test_paging_bounds_are_a_422_not_an_overflow(api_key: str) -> None:
    """A limit or offset beyond any database integer (found by schemathesis) is refused by name."""
    client = Client(HTTP_X_API_KEY=api_key)
    for params in ({"limit": 10**28}, {"offset": 10**28}, {"limit": 0}, {"limit": 1001}, {"offset": -1}):
        response = client.get("/api/v1/divisions", params)
        assert response.status_code == 422, params
        assert next(iter(params)) in response.content.decode()
    page = client.get("/api/v1/divisions", {"limit": 1000, "offset": 2}).json()
    assert page["count"] > 2 and 0 < len(page["items"]) <= 1000
