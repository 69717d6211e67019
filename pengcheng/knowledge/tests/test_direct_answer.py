"""直接答复: an agent closes an enquiry with an article; the answer records article, version and
agent; the rate shows on the supervisor overview; the intake page's suggestion endpoint."""

import datetime as dt

import pytest
from django.utils import timezone

from pengcheng.audit.models import AuditRecord
from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import AccessDenied, Conflict, ValidationFailed
from pengcheng.core.models import Role
from pengcheng.hotline import services as hotline_services
from pengcheng.hotline.models import Channel, EventKind, RequestType, Status, Ticket
from pengcheng.knowledge import selectors, services
from pengcheng.knowledge.models import DirectAnswer
from pengcheng.testing import make_staff

from .conftest import BODIES, article

pytestmark = pytest.mark.django_db

CENTRE = "440300-RX12345"


def enquiry(text: str = "租房了，公积金怎么提取？", request_type: str = RequestType.CONSULTATION) -> Ticket:
    return hotline_services.create_ticket(
        SYSTEM,
        hotline_services.TicketInput(
            request_type=request_type,
            description=text,
            channel=Channel.PHONE,
            caller_phone="19900007777",
            address="福田区园岭街道百花社区",
        ),
    )


def test_a_direct_answer_closes_the_enquiry_and_records_article_version_and_agent() -> None:
    agent = make_staff(Role.HOTLINE_AGENT, CENTRE)
    answer_article = article(BODIES["fund"], key="KB-D1")
    services.update_article(SYSTEM, answer_article, services.ArticleInput(body=BODIES["fund"] + "（2026年版）"))
    ticket = enquiry()
    done = services.answer_with_article(agent, ticket, answer_article, query="公积金提取")
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.closed_at is not None
    assert ticket.public_reply.endswith("（2026年版）")
    assert ticket.events.filter(kind=EventKind.ANSWERED).exists()
    assert (done.article.key, done.article_version, done.answered_by) == ("KB-D1", 2, agent)
    assert selectors.answer_for(ticket) == done
    assert AuditRecord.objects.filter(action="knowledge.direct_answer", summary__contains="KB-D1 v2").exists()
    with pytest.raises(Conflict):  # the ticket is closed now
        services.answer_with_article(agent, ticket, answer_article)


def test_only_answerable_articles_only_enquiries_only_agents() -> None:
    agent = make_staff(Role.HOTLINE_AGENT, CENTRE)
    clerk = make_staff(Role.CLERK, "440300-YBJ")
    expired = article(BODIES["snow"], key="KB-D2")
    services.expire(SYSTEM, expired)
    draft = article(BODIES["land"], key="KB-D3", publish=False)
    later = article(BODIES["medical"], key="KB-D4", valid_from=timezone.localdate() + dt.timedelta(days=1))
    for bad in (expired, draft, later):
        ticket = enquiry()
        with pytest.raises(Conflict):
            services.answer_with_article(agent, ticket, bad)
        ticket.refresh_from_db()
        assert ticket.status == Status.RECEIVED
    good = article(BODIES["fund"], key="KB-D5")
    with pytest.raises(ValidationFailed):
        services.answer_with_article(agent, enquiry(request_type=RequestType.COMPLAINT), good)
    with pytest.raises(AccessDenied):
        services.answer_with_article(clerk, enquiry(), good)
    assert not DirectAnswer.objects.exists()


def test_the_direct_answer_rate_counts_enquiries_received_in_the_period() -> None:
    agent = make_staff(Role.HOTLINE_AGENT, CENTRE)
    good = article(BODIES["fund"], key="KB-D6")
    for _ in range(3):
        services.answer_with_article(agent, enquiry(), good)
    enquiry()  # an enquiry answered otherwise (or not yet)
    enquiry(request_type=RequestType.COMPLAINT)  # not an enquiry
    today = timezone.localdate()
    rate = selectors.direct_answer_rate(today, today)
    assert (rate.direct, rate.enquiries, rate.rate) == (3, 4, 0.75)
    empty = selectors.direct_answer_rate(today - dt.timedelta(days=9), today - dt.timedelta(days=8))
    assert empty.rate is None


def test_the_supervisor_overview_shows_the_rate(client_for) -> None:
    agent = make_staff(Role.HOTLINE_AGENT, CENTRE)
    services.answer_with_article(agent, enquiry(), article(BODIES["fund"], key="KB-D7"))
    enquiry()
    supervisor = make_staff(Role.SUPERVISOR, CENTRE)
    page = client_for(supervisor.username).get("/console/hotline/overview/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="kb-direct-rate"' in html and "1 / 2" in html and "50.00%" in html


def test_suggestions_as_json_for_agents_only(client_for) -> None:
    article(BODIES["fund"], key="KB-D8")
    article(BODIES["snow"], key="KB-D9")
    expired = article(BODIES["fund"] + "旧版", key="KB-D10")
    services.expire(SYSTEM, expired)
    agent = make_staff(Role.HOTLINE_AGENT, CENTRE)
    data = client_for(agent.username).get("/console/kb/suggest/", {"q": "租房提取公积金"}).json()
    keys = [r["key"] for r in data["results"]]
    assert keys[0] == "KB-D8" and "KB-D10" not in keys
    assert data["results"][0]["body"] == BODIES["fund"] and data["results"][0]["version"] == 1
    assert client_for(agent.username).get("/console/kb/suggest/", {"q": "x"}).json()["results"] == []
    clerk = make_staff(Role.CLERK, "440300-YBJ")
    assert client_for(clerk.username).get("/console/kb/suggest/", {"q": "公积金"}).status_code == 403


def test_the_intake_form_takes_and_answers_the_call_in_one_post(client_for) -> None:
    chosen = article(BODIES["fund"], key="KB-D11")
    agent = make_staff(Role.HOTLINE_AGENT, CENTRE)
    client = client_for(agent.username)
    form = {
        "caller_phone": "19900008888",
        "caller_name": "王先生",
        "request_type": RequestType.CONSULTATION,
        "urgency": "normal",
        "address": "福田区园岭街道百花社区",
        "description": "租房了，公积金怎么提取？",
        "kb_article": "KB-D11",
    }
    response = client.post("/console/kb/answer/", form)
    assert response.status_code == 302
    ticket = Ticket.objects.get(caller__phone="19900008888")
    assert ticket.status == Status.CLOSED and ticket.kb_answer.article == chosen
    assert ticket.kb_answer.answered_by == agent
    missing = client.post("/console/kb/answer/", {**form, "kb_article": ""})
    assert missing.status_code == 422 and Ticket.objects.count() == 1
    services.expire(SYSTEM, chosen)
    refused = client.post("/console/kb/answer/", form)
    assert refused.status_code == 422 and Ticket.objects.count() == 1


def test_a_district_supervisor_sees_the_rate_of_the_district_only() -> None:
    from pengcheng.core.models import User
    from pengcheng.testing import community

    agent = make_staff(Role.HOTLINE_AGENT, CENTRE)
    good = article(BODIES["fund"], key="KB-D12")
    services.answer_with_article(agent, enquiry(), good)  # 福田
    elsewhere = hotline_services.create_ticket(
        SYSTEM,
        hotline_services.TicketInput(
            request_type=RequestType.CONSULTATION,
            description="南山的公积金怎么提取？",
            channel=Channel.PHONE,
            caller_phone="19900007778",
            division_code=community("440305").code,
        ),
    )
    assert elsewhere.district_code == "440305"
    today = timezone.localdate()
    district = User.objects.get(username="supervisor")  # a Futian supervisor
    assert (selectors.direct_answer_rate(today, today, district).enquiries) == 1
    whole = selectors.direct_answer_rate(today, today, make_staff(Role.SUPERVISOR, CENTRE))
    assert (whole.direct, whole.enquiries) == (1, 2)
