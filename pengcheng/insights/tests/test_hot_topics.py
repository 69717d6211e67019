"""Daily hot topics on the platform: tickets through the hotline importer, clustering by topic and
district, the stored top 10, spike alerts to the 12345 centre's supervisors, pages and API."""

import datetime as dt

import pytest
from django.test import override_settings

from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import AccessDenied, ValidationFailed
from pengcheng.core.models import Role
from pengcheng.insights import services
from pengcheng.insights.models import HotTopic
from pengcheng.insights.tests.conftest import import_tickets
from pengcheng.notifications.models import Notification
from pengcheng.testing import login_client, make_staff

DAY = dt.date(2026, 3, 10)
STREETLIGHT = [
    "福中三路的路灯连续三晚不亮，晚上行人看不清路，请尽快维修路灯。",
    "福中三路路灯不亮好几天了，夜里很黑，老人走路容易摔倒，请派人修路灯。",
    "福中三路一排路灯晚上都不亮，开车经过很危险，希望尽快修复路灯。",
    "反映福中三路路灯坏了，晚上一片漆黑，请相关部门尽快维修。",
]
OTHER = [
    ("咨询社保卡补办", "社保卡丢失了，请问去哪里补办，需要带什么材料？"),
    ("小区噪音扰民", "楼下商铺每天晚上十一点后还在装修，电钻声音很大，影响休息。"),
    ("公积金提取", "想咨询一下租房提取住房公积金需要什么条件。"),
    ("学位申请", "孩子今年上小学，请问学位申请什么时候开始？"),
    ("垃圾清运不及时", "小区门口垃圾桶满了两天没人清运，气味很大。"),
]


def _day(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour % 24, 0))


def _streetlights(day: dt.date, n: int, address: str = "福田区园岭街道百花社区") -> list[dict]:
    return [
        {
            "title": "福中三路路灯不亮",
            "text": STREETLIGHT[i % 4],
            "at": _day(day, 8 + i % 12),
            "address": address,
            "user": f"s{i}",
        }
        for i in range(n)
    ]


def _others(day: dt.date) -> list[dict]:
    return [
        {"title": t, "text": x, "at": _day(day, 9 + i), "address": "南山区粤海街道科技园社区", "user": f"o{i}"}
        for i, (t, x) in enumerate(OTHER)
    ]


@override_settings(PENGCHENG_HOT_TOPIC_SPIKE_FACTOR=3, PENGCHENG_HOT_TOPIC_SPIKE_MIN=6)
def test_a_spiking_topic_ranks_first_is_stored_and_alerts_supervisors(centre_supervisor) -> None:
    import_tickets(_streetlights(DAY - dt.timedelta(days=1), 1) + _streetlights(DAY, 8) + _others(DAY))
    topics = services.compute_hot_topics(SYSTEM, DAY)
    first = topics[0]
    assert first.rank == 1 and first.count == 8 and first.previous == 1 and first.growth == pytest.approx(4.5)
    assert first.district_code == "440304" and first.place == "福田区"
    assert "路灯" in first.label and first.callers == 8
    assert first.spiking and first.alerted
    assert len(first.representatives) == 3 and all("路灯" in r["title"] for r in first.representatives)
    assert HotTopic.objects.filter(day=DAY).count() == len(topics)
    alert = Notification.objects.get(recipient=centre_supervisor, category="insights")
    assert "路灯" in alert.subject and "8" in alert.body and alert.url == "/console/insights/hot-topics/"
    # re-running a day replaces it, without alerting twice about the same spike
    again = services.compute_hot_topics(SYSTEM, DAY)
    assert HotTopic.objects.filter(day=DAY).count() == len(again) and again[0].alerted
    assert Notification.objects.filter(recipient=centre_supervisor, category="insights").count() == 1


@override_settings(PENGCHENG_HOT_TOPIC_SPIKE_FACTOR=3, PENGCHENG_HOT_TOPIC_SPIKE_MIN=6)
def test_a_steady_topic_is_hot_but_does_not_alert(centre_supervisor) -> None:
    import_tickets(_streetlights(DAY - dt.timedelta(days=1), 7) + _streetlights(DAY, 7))
    topics = services.compute_hot_topics(SYSTEM, DAY)
    assert topics[0].count == 7 and topics[0].previous == 7 and not topics[0].spiking
    assert not Notification.objects.filter(category="insights").exists()


def test_the_same_topic_in_two_districts_is_two_topics_ranked_by_hotness(demo_city: None) -> None:
    import_tickets(_streetlights(DAY, 5) + _streetlights(DAY, 3, address="南山区粤海街道科技园社区"))
    topics = services.compute_hot_topics(SYSTEM, DAY)
    assert [(t.place, t.count) for t in topics[:2]] == [("福田区", 5), ("南山区", 3)]
    assert topics[0].hotness > topics[1].hotness


def test_only_centre_supervisors_compute_and_supervisors_read_within_their_district(centre_supervisor) -> None:
    import_tickets(_streetlights(DAY, 4) + _streetlights(DAY, 4, address="南山区粤海街道科技园社区"))
    agent = make_staff(Role.HOTLINE_AGENT, "440300-RX12345")
    with pytest.raises(AccessDenied):
        services.compute_hot_topics(agent, DAY)
    with pytest.raises(ValidationFailed):
        services.compute_hot_topics(centre_supervisor, DAY, window_days=90)
    services.compute_hot_topics(centre_supervisor, DAY)
    from pengcheng.insights import selectors

    assert {t.place for t in selectors.hot_topics(centre_supervisor)} == {"福田区", "南山区"}
    # the demo "supervisor" supervises Futian (440304) only
    futian = login_client("supervisor")
    assert {t["place"] for t in futian.get("/api/v1/insights/hot-topics").json()} == {"福田区"}
    page = futian.get(f"/console/insights/hot-topics/?day={DAY}")
    assert page.status_code == 200 and "福中三路" in page.content.decode() and "南山区" not in page.content.decode()
    assert login_client("clerk").get("/console/insights/hot-topics/").status_code == 403
    assert login_client("citizen").get("/api/v1/insights/hot-topics").status_code == 403


def test_a_centre_supervisor_computes_from_the_console(centre_supervisor) -> None:
    from django.test import Client

    import_tickets(_streetlights(DAY, 3))
    client = Client()
    client.force_login(centre_supervisor)
    response = client.post("/console/insights/hot-topics/", {"day": DAY.isoformat()})
    assert response.status_code == 302 and HotTopic.objects.filter(day=DAY, rank=1).exists()
    api = client.post("/api/v1/insights/hot-topics/compute", {"day": DAY.isoformat()}, content_type="application/json")
    assert api.status_code == 200 and api.json()[0]["count"] == 3
