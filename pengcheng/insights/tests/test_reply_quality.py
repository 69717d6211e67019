"""Reply-quality scores: relevance, completeness and timeliness on real-looking replies; platform
replies scored by the job, weak ones queued, reviewed and sent back through the hotline."""

import datetime as dt

import pytest

from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import AccessDenied, ValidationFailed
from pengcheng.core.models import Role
from pengcheng.hotline import services as hotline
from pengcheng.hotline.models import Channel, RequestType, Status, Ticket, TicketEvent
from pengcheng.insights import replyquality, selectors, services, teddy
from pengcheng.insights.models import ReplyAssessment, ReviewOutcome
from pengcheng.insights.tests.conftest import TEDDY, import_tickets
from pengcheng.testing import login_client, make_staff

REQUEST = (
    "A3区望月湖小区门口的路灯坏了两个月，晚上一片漆黑。请问什么时候能修好？希望有关部门尽快维修，"
    "并且把小区门口的垃圾站也清理一下。"
)
GOOD = (
    "网友：您好！您反映的望月湖小区门口路灯问题，经我局现场核查，共有3盏路灯因线路老化损坏。"
    "我局已安排维修班组于2019年5月20日完成线路更换，路灯已恢复照明。小区门口垃圾站已协调街道环卫所"
    "每日清理两次。根据《城市道路照明设施管理规定》，如再发现路灯故障，可拨打路灯维修电话0731-88888888。"
)
BOILERPLATE = "网友：您好！留言已收悉。感谢您对我们工作的关心和支持。"
OFF_TOPIC = (
    "网友：您好！关于您反映的公积金提取问题，根据《住房公积金管理条例》，租房提取需提供租赁合同和"
    "完税证明，已为您核实账户状态，可于工作日到服务大厅办理，咨询电话12329。"
)


def test_a_specific_on_time_reply_scores_high_and_is_not_flagged() -> None:
    result = replyquality.assess(REQUEST, GOOD, delay_workdays=5, limit_workdays=15)
    assert result.score >= 80 and not result.flagged, result
    assert result.details["points"] >= 2 and result.details["points_addressed"] == result.details["points"]
    assert all(result.details["elements"].values())
    assert "路灯" in result.details["terms_found"]


def test_boilerplate_and_off_topic_replies_are_flagged_with_reasons() -> None:
    empty = replyquality.assess(REQUEST, BOILERPLATE, delay_workdays=3, limit_workdays=15)
    assert empty.flagged and {"off_topic", "too_short", "no_action"} <= set(empty.reasons)
    wrong = replyquality.assess(REQUEST, OFF_TOPIC, delay_workdays=3, limit_workdays=15)
    assert wrong.flagged and "off_topic" in wrong.reasons
    good = replyquality.assess(REQUEST, GOOD, delay_workdays=3, limit_workdays=15)
    assert good.score > wrong.score > empty.score
    assert good.relevance > 3 * wrong.relevance


def test_timeliness_falls_to_zero_at_twice_the_limit() -> None:
    assert replyquality.timeliness(10, 15) == 1.0
    assert replyquality.timeliness(20, 10) == 0.0
    assert replyquality.timeliness(15, 10) == 0.5
    assert replyquality.timeliness(None, 10) is None
    on_time = replyquality.assess(REQUEST, GOOD, delay_workdays=2, limit_workdays=5)
    late = replyquality.assess(REQUEST, GOOD, delay_workdays=12, limit_workdays=5)
    assert late.score == pytest.approx(on_time.score - 20.0) and "very_late" in late.reasons
    unknown = replyquality.assess(REQUEST, GOOD)
    assert unknown.timeliness is None and unknown.score >= 80


def test_empty_emoji_and_mixed_script_inputs_are_scored_not_crashed() -> None:
    assert replyquality.assess(REQUEST, "").reasons == ["no_reply"]
    assert replyquality.assess("😀😀😀", "👍").flagged
    mixed = replyquality.assess("路燈壞了 street light broken 😀", "已派員維修路燈，預計3日內完成。")
    assert 0.0 <= mixed.score <= 100.0


REPLIES = TEDDY / "teddy2020_messages_with_replies.csv"


@pytest.mark.skipif(not REPLIES.is_file(), reason=f"shared data not found: {REPLIES}")
def test_on_real_replies_the_true_reply_is_more_relevant_than_another_messages_reply() -> None:
    messages = teddy.load(REPLIES, need_reply=True).messages[:150]
    true = [replyquality.relevance(f"{m.title}。{m.text}", m.reply)[0] for m in messages]
    swapped = [
        replyquality.relevance(f"{m.title}。{m.text}", messages[(i + 37) % len(messages)].reply)[0]
        for i, m in enumerate(messages)
    ]
    wins = sum(1 for t, s in zip(true, swapped, strict=True) if t > s)
    assert wins / len(messages) >= 0.8


def _replied(reply: str) -> Ticket:
    """A ticket brought to 'replied, awaiting review' through the hotline's services."""
    ticket = hotline.create_ticket(
        SYSTEM,
        hotline.TicketInput(
            request_type=RequestType.COMPLAINT,
            title="望月湖小区门口路灯坏了",
            description=REQUEST,
            channel=Channel.PHONE,
            caller_phone="19900001234",
            address="福田区园岭街道百花社区",
        ),
    )
    from pengcheng.core.models import Department

    hotline.dispatch(SYSTEM, ticket, Department.objects.get(code="440300-SCJGJ"))
    hotline.accept(SYSTEM, ticket)
    hotline.reply(SYSTEM, ticket, reply)
    return Ticket.objects.get(pk=ticket.pk)


def test_platform_replies_are_scored_queued_reviewed_and_sent_back(centre_supervisor) -> None:
    weak = _replied("已处理。")
    strong = _replied(GOOD)
    counts = services.assess_pending()
    assert counts == {"scored": 2, "flagged": 1}
    assert services.assess_pending() == {"scored": 0, "flagged": 0}  # nothing new
    queue = list(selectors.review_queue(centre_supervisor))
    assert [a.ticket_id for a in queue] == [weak.pk]
    assert not ReplyAssessment.objects.get(ticket=strong).flagged
    clerk = make_staff(Role.CLERK, "440300-SCJGJ")
    with pytest.raises(AccessDenied):
        services.review_reply(clerk, queue[0], ReviewOutcome.RETURNED)
    with pytest.raises(ValidationFailed):
        services.review_reply(centre_supervisor, queue[0], "maybe")
    reviewed = services.review_reply(centre_supervisor, queue[0], ReviewOutcome.RETURNED, "请说明维修时间。")
    weak.refresh_from_db()
    assert reviewed.outcome == ReviewOutcome.RETURNED and weak.status == Status.HANDLING
    assert TicketEvent.objects.filter(ticket=weak, kind="reply_returned", note="请说明维修时间。").exists()
    assert list(selectors.review_queue(centre_supervisor)) == []
    # the department answers properly: the new reply is scored afresh and passes
    hotline.reply(SYSTEM, weak, GOOD)
    assert services.assess_pending() == {"scored": 1, "flagged": 0}
    again = ReplyAssessment.objects.get(ticket=weak)
    assert again.outcome == ReviewOutcome.PENDING and not again.flagged


def test_imported_history_is_scored_and_a_closed_ticket_cannot_be_sent_back(centre_supervisor) -> None:
    at = dt.datetime(2026, 3, 2, 10)
    import_tickets(
        [
            {
                "title": "路灯坏了",
                "text": REQUEST,
                "at": at,
                "reply": BOILERPLATE,
                "replied_at": at + dt.timedelta(days=40),
            },
            {"title": "路灯坏了", "text": REQUEST, "at": at, "reply": GOOD, "replied_at": at + dt.timedelta(days=3)},
        ]
    )
    services.assess_pending()
    flagged = list(selectors.review_queue(centre_supervisor))
    assert len(flagged) == 1 and "very_late" in flagged[0].reasons
    with pytest.raises(ValidationFailed):
        services.review_reply(centre_supervisor, flagged[0], ReviewOutcome.RETURNED)
    accepted = services.review_reply(centre_supervisor, flagged[0], ReviewOutcome.ACCEPTED, "历史数据")
    assert accepted.outcome == ReviewOutcome.ACCEPTED and accepted.reviewed_by == centre_supervisor


def test_queue_pages_and_api_respect_scope(centre_supervisor) -> None:
    from django.test import Client

    weak = _replied("已处理。")
    services.assess_pending()
    assessment = ReplyAssessment.objects.get(ticket=weak)
    client = Client()
    client.force_login(centre_supervisor)
    page = client.get("/console/insights/replies/")
    assert page.status_code == 200 and weak.number in page.content.decode()
    detail = client.get(f"/console/insights/replies/{assessment.pk}/")
    assert detail.status_code == 200 and "已处理" in detail.content.decode()
    response = client.post(f"/console/insights/replies/{assessment.pk}/", {"outcome": "accepted", "note": ""})
    assert response.status_code == 302
    assert client.get("/api/v1/insights/replies?show=reviewed").json()[0]["outcome"] == "accepted"
    # Futian's supervisor sees Futian tickets; a Nanshan supervisor does not
    assert login_client("supervisor").get("/api/v1/insights/replies?show=all").json()[0]["ticket"] == weak.number
    nanshan = make_staff(Role.SUPERVISOR, "440305-ZSJ")
    other = Client()
    other.force_login(nanshan)
    assert other.get("/api/v1/insights/replies?show=all").json() == []
    assert other.get(f"/console/insights/replies/{assessment.pk}/").status_code == 404
    assert login_client("citizen").get("/console/insights/replies/").status_code == 403
