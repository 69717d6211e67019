"""The JSON API: public search and articles (no login), and the direct answer for agents' tools."""

import pytest
from django.test import Client

from pengcheng.core.actors import SYSTEM
from pengcheng.core.models import Role
from pengcheng.hotline.models import Status
from pengcheng.knowledge import services
from pengcheng.testing import make_staff

from .conftest import BODIES, article
from .test_direct_answer import CENTRE, enquiry

pytestmark = pytest.mark.django_db


def test_public_search_and_article() -> None:
    article(BODIES["medical"], key="KB-A1", variants=["异地看病怎么报销"])
    draft = article(BODIES["land"], key="KB-A2", publish=False)
    client = Client()
    data = client.get("/api/v1/knowledge/search", {"q": "异地就医备案"}).json()
    assert data["results"][0]["key"] == "KB-A1" and data["results"][0]["body"] == BODIES["medical"]
    assert client.get("/api/v1/knowledge/search", {"q": "  "}).json()["results"] == []
    assert client.get("/api/v1/knowledge/search").status_code == 422
    one = client.get("/api/v1/knowledge/articles/KB-A1").json()
    assert one["variants"] == ["异地看病怎么报销"] and one["version"] == 1
    missing = client.get(f"/api/v1/knowledge/articles/{draft.key}")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_answer_endpoint_closes_an_enquiry(client_for) -> None:
    chosen = article(BODIES["fund"], key="KB-A3")
    agent = make_staff(Role.HOTLINE_AGENT, CENTRE)
    ticket = enquiry()
    client = client_for(agent.username)
    response = client.post(
        f"/api/v1/knowledge/tickets/{ticket.number}/answer",
        {"article": "KB-A3", "query": "公积金"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["article_version"] == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    services.expire(SYSTEM, chosen)
    again = client.post(
        f"/api/v1/knowledge/tickets/{enquiry().number}/answer", {"article": "KB-A3"}, content_type="application/json"
    )
    assert again.status_code == 409
    assert Client().post(
        f"/api/v1/knowledge/tickets/{ticket.number}/answer", {"article": "KB-A3"}, content_type="application/json"
    ).status_code in (401, 403)
