"""The demo's clustered incidents: the hotline seed's bursts of tickets about one thing at one place
give the insights seed's hot-topic job something to find, and a spike for its alert."""

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from pengcheng.hotline import demo_text
from pengcheng.hotline.models import Ticket
from pengcheng.hotline.seed import INCIDENT_PREFIX, load_incidents
from pengcheng.insights.models import HotTopic
from pengcheng.insights.seed import DAYS
from pengcheng.insights.seed import seed_demo as seed_insights
from pengcheng.notifications.models import Notification
from pengcheng.seeding import SeedContext

pytestmark = pytest.mark.django_db


def _incident(ticket_ids: list[int], keys: dict[int, str]) -> str:
    """The incident most of a topic's tickets belong to ("" when none)."""
    found = Counter(keys.get(pk, "") for pk in ticket_ids).most_common(1)
    return found[0][0] if found else ""


def test_the_demo_incidents_make_hot_topics_and_a_spike(demo_city: None) -> None:
    assert load_incidents(SeedContext(scale=0, quiet=True)) == 0  # the test city's scale: no tickets
    made = load_incidents(SeedContext(scale=1, quiet=True))
    assert made == sum(incident.size for incident in demo_text.INCIDENTS)
    assert load_incidents(SeedContext(scale=1, quiet=True)) == 0  # once only

    tickets = Ticket.objects.filter(external_id__startswith=INCIDENT_PREFIX)
    keys = {
        pk: external.removeprefix(INCIDENT_PREFIX).rsplit("-", 1)[0]
        for pk, external in tickets.values_list("pk", "external_id")
    }
    today = timezone.localdate()
    for incident in demo_text.INCIDENTS:
        own = tickets.filter(external_id__startswith=f"{INCIDENT_PREFIX}{incident.key}-")
        assert own.count() == incident.size
        # one leaf, one community, one lead department; the wording varies
        assert set(own.values_list("category__path_name", flat=True)) == {incident.path}
        assert set(own.values_list("division_id", flat=True)) == {incident.community}
        assert len(set(own.exclude(lead_department=None).values_list("lead_department", flat=True))) == 1
        assert len(set(own.values_list("description", flat=True))) > incident.size // 2
        days = Counter((today - day).days for day in own.values_list("received_on", flat=True))
        assert days == Counter(dict(incident.days))

    seed_insights(SeedContext(quiet=True))
    topics = HotTopic.objects.filter(day__gte=today - dt.timedelta(days=DAYS))
    found = {_incident(topic.ticket_ids, keys) for topic in topics} - {""}
    assert len(found) >= 8, found
    # yesterday's hottest topic is the burst water main, a spike the supervisors were told about
    top = HotTopic.objects.get(day=today - dt.timedelta(days=1), rank=1)
    assert _incident(top.ticket_ids, keys) == "water-main"
    assert top.spiking and top.alerted and top.place == "南山区"
    assert "停水" in top.label
    alerts = Notification.objects.filter(category="insights", subject__contains=top.label)
    assert alerts.filter(recipient__username="hotline_supervisor").exists()
