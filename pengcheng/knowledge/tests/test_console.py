"""The editors' console: create, edit (new version), publish, expire, review, the due list; agents
read but do not edit."""

import datetime as dt

import pytest
from django.utils import timezone

from pengcheng.core.models import Role
from pengcheng.knowledge.models import Article, ArticleStatus
from pengcheng.testing import make_staff

from .conftest import BODIES, article

pytestmark = pytest.mark.django_db

CENTRE = "440300-RX12345"


def test_a_supervisor_writes_edits_publishes_reviews_and_expires(client_for) -> None:
    supervisor = make_staff(Role.SUPERVISOR, CENTRE)
    client = client_for(supervisor.username)
    assert client.get("/console/kb/new/").status_code == 200
    response = client.post(
        "/console/kb/new/",
        {"title": "租房提取公积金", "body": BODIES["fund"], "variants": "租房提取\n公积金怎么取", "review_days": 90},
    )
    assert response.status_code == 302
    made = Article.objects.get(title="租房提取公积金")
    assert made.status == ArticleStatus.DRAFT and made.variants == ["租房提取", "公积金怎么取"]
    page = client.get(f"/console/kb/a/{made.key}/")
    assert page.status_code == 200 and "公积金怎么取" in page.content.decode()
    client.post(
        f"/console/kb/a/{made.key}/edit/",
        {"title": "租房提取住房公积金", "body": BODIES["fund"], "review_days": 90, "note": "标题"},
    )
    made.refresh_from_db()
    assert made.version == 2 and made.title == "租房提取住房公积金"
    client.post(f"/console/kb/a/{made.key}/publish/")
    made.refresh_from_db()
    assert made.status == ArticleStatus.PUBLISHED
    made.next_review_on = timezone.localdate() - dt.timedelta(days=1)
    made.save(update_fields=["next_review_on"])
    assert made.key in client.get("/console/kb/", {"due": "1"}).content.decode()
    client.post(f"/console/kb/a/{made.key}/reviewed/")
    made.refresh_from_db()
    assert made.next_review_on == timezone.localdate() + dt.timedelta(days=90)
    client.post(f"/console/kb/a/{made.key}/expire/", {"reason": "政策调整"})
    made.refresh_from_db()
    assert made.status == ArticleStatus.EXPIRED
    again = client.post(f"/console/kb/a/{made.key}/expire/", follow=True)
    assert again.status_code == 200 and made.key in again.content.decode()
    invalid = client.post("/console/kb/new/", {"body": "", "review_days": 0})
    assert invalid.status_code == 200 and Article.objects.count() == 1


def test_agents_read_the_console_but_do_not_edit(client_for) -> None:
    agent = make_staff(Role.HOTLINE_AGENT, CENTRE)
    shown = article(BODIES["snow"], key="KB-C1")
    client = client_for(agent.username)
    assert client.get("/console/kb/").status_code == 200
    assert client.get(f"/console/kb/a/{shown.key}/").status_code == 200
    assert client.get("/console/kb/new/").status_code == 403
    assert client.get(f"/console/kb/a/{shown.key}/edit/").status_code == 403
    assert client.post(f"/console/kb/a/{shown.key}/expire/").status_code == 403
    shown.refresh_from_db()
    assert shown.status == ArticleStatus.PUBLISHED
    clerk = make_staff(Role.CLERK, "440300-YBJ")
    assert client_for(clerk.username).get("/console/kb/").status_code == 403


def test_the_public_pages_need_no_login(client) -> None:
    shown = article(BODIES["medical"], key="KB-C2")
    hidden = article(BODIES["land"], key="KB-C3", publish=False)
    page = client.get("/kb/", {"q": "异地就医备案"})
    assert page.status_code == 200 and BODIES["medical"] in page.content.decode()
    assert client.get(f"/kb/a/{shown.key}/").status_code == 200
    assert client.get(f"/kb/a/{hidden.key}/").status_code == 404
