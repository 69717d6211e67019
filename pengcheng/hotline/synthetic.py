"""Synthetic tickets for the demo seed and the volume benchmark.

Each ticket is generated with a plausible life: received on some channel, answered on the phone or
dispatched (sometimes refused first), accepted, replied, closed and rated, each step only if its
time has already come. The shapes follow the seed report (98.48% satisfied) and common 12345
practice; the figures are invented. Deadlines are approximated (2 working hours to accept, the
type's days to handle, counted in calendar days) so that millions of rows can be made quickly.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pengcheng.hotline import demo_text
from pengcheng.hotline.models import Channel, EventKind, Rating, RequestType, Status, Urgency

CHANNELS = [
    (Channel.PHONE, 55),
    (Channel.APP, 15),
    (Channel.PORTAL, 10),
    (Channel.WECHAT, 12),
    (Channel.SMS, 4),
    (Channel.OPEN311, 3),
    (Channel.EMAIL, 1),
]
INCIDENT_DISTRICT_SHARE = 0.3
HANDLE_DAYS = {
    RequestType.CONSULTATION: 1,
    RequestType.HELP: 3,
    RequestType.COMPLAINT: 5,
    RequestType.REPORT: 10,
    RequestType.SUGGESTION: 10,
    RequestType.PRAISE: 5,
}


@dataclass(frozen=True)
class World:
    """What a synthetic ticket can refer to."""

    leaves: list[tuple[int, str, int]]  # (category id, code, first-level id)
    communities: list[tuple[str, str]]  # (code, name)
    route: Callable[[str, str], int | None]  # (category code, division code) → department id
    departments: list[int]
    # What tickets are about: a topic and its leaf (category id, code, first-level id); see ``demo_text``.
    topics: list[tuple[demo_text.Topic, tuple[int, str, int]]]
    districts: dict[str, str] = field(default_factory=dict)  # district code → name
    department_names: dict[int, str] = field(default_factory=dict)

    # Computed once per world: millions of tickets are made from one (bench/hotline_volume.py).
    @cached_property
    def topic_weights(self) -> list[int]:
        return [topic.weight for topic, _leaf in self.topics]

    @cached_property
    def neighbours(self) -> dict[str, list[demo_text.Topic]]:
        """The topics under each first-level category."""
        found: dict[str, list[demo_text.Topic]] = {}
        for topic, _leaf in self.topics:
            found.setdefault(topic.first_level, []).append(topic)
        return found


def _pick(rng: random.Random, weighted: list[tuple[Any, int]]) -> Any:
    return rng.choices([value for value, _ in weighted], weights=[w for _, w in weighted])[0]


def make_ticket(
    rng: random.Random, received: dt.datetime, now: dt.datetime, world: World, tz: Any
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One ticket's columns and its timeline events (dispatches and refusals), as plain dicts."""
    topic, (category_id, category_code, top_id) = world.topics[
        rng.choices(range(len(world.topics)), weights=world.topic_weights)[0]
    ]
    request_type = RequestType(demo_text.pick_type(rng, topic))
    division, place_name = rng.choice(world.communities)
    district = world.districts.get(division[:6], "")
    said = topic
    if rng.random() < demo_text.ARGUABLE_SHARE:
        said = rng.choice(world.neighbours[topic.first_level])
    text = demo_text.compose(rng, said, request_type, district, place_name)
    return live_ticket(
        rng, received, now, world, tz, (category_id, category_code, top_id), request_type, division, place_name, text
    )


def incident_ticket(
    rng: random.Random,
    incident: demo_text.Incident,
    later: bool,
    received: dt.datetime,
    now: dt.datetime,
    world: World,
    tz: Any,
    leaf: tuple[int, str, int],
    community: tuple[str, str],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One caller's ticket about an incident (see ``demo_text.INCIDENTS``): its leaf and community are
    the incident's, its wording varies; ``later`` tickets (after the incident's first day) may say how
    long it has lasted."""
    topic = incident.topic
    request_type = RequestType(demo_text.pick_type(rng, topic))
    division, place_name = community
    # Callers about a local incident name the street or the site more often than the district.
    district = world.districts.get(division[:6], "") if rng.random() < INCIDENT_DISTRICT_SHARE else ""
    aside = rng.choice(incident.asides) if later and incident.asides and rng.random() < 0.5 else ""
    text = demo_text.compose(rng, topic, request_type, district, place_name, aside)
    return live_ticket(rng, received, now, world, tz, leaf, request_type, division, place_name, text)


def live_ticket(
    rng: random.Random,
    received: dt.datetime,
    now: dt.datetime,
    world: World,
    tz: Any,
    leaf: tuple[int, str, int],
    request_type: RequestType,
    division: str,
    place_name: str,
    text: demo_text.Text,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A ticket with the given leaf, place and text, and the life it has had until ``now``."""
    category_id, category_code, top_id = leaf
    urgency = Urgency.NORMAL if rng.random() < 0.95 else (Urgency.URGENT if rng.random() < 0.8 else Urgency.CRITICAL)
    ticket: dict[str, Any] = {
        "request_type": request_type,
        "category_id": category_id,
        "category_top_id": top_id,
        "urgency": urgency,
        "channel": _pick(rng, CHANNELS),
        "status": Status.RECEIVED,
        "title": text.title,
        "description": text.description,
        "caller_id": None,
        "anonymous": rng.random() < 0.1,
        "address": f"深圳市{place_name}",
        "division_id": division,
        "district_code": division[:6],
        "lat": None,
        "lng": None,
        "location_source": "address",
        "lead_department_id": None,
        "routed_department_id": None,
        "parent_id": None,
        "created_at": received,
        "received_on": received.astimezone(tz).date(),
        "updated_at": received,
        "dispatched_at": None,
        "accept_due": None,
        "accepted_at": None,
        "handle_due": None,
        "replied_at": None,
        "closed_at": None,
        "rated_at": None,
        "expected_at": received + dt.timedelta(days=HANDLE_DAYS[request_type] + 2),
        "accepted_on_time": None,
        "closed_on_time": None,
        "reply": "",
        "public_reply": "",
        "rating": "",
        "rating_comment": "",
        "supervised": False,
        "supervised_reason": "",
        "dispatch_count": 0,
        "refusal_count": 0,
        "reopen_count": 0,
        "extension_days": 0,
        "accept_warned": False,
        "accept_escalated": False,
        "handle_warned": False,
        "escalated": False,
        "attributes": {},
        "media_url": "",
        "device_id": "",
        "account_id": "",
        "external_id": "",
        "import_batch_id": None,
    }
    events: list[dict[str, Any]] = []
    moment = received + dt.timedelta(minutes=rng.randint(2, 15))
    if moment > now:
        return ticket, events
    if request_type == RequestType.CONSULTATION and rng.random() < 0.7:
        answer = demo_text.phone_answer(rng, text)
        ticket.update(
            status=Status.CLOSED,
            reply=answer,
            public_reply=answer,
            replied_at=moment,
            closed_at=moment,
            closed_on_time=True,
            updated_at=moment,
        )
        return _rated(rng, ticket, moment, now), events
    department = world.route(category_code, division) or rng.choice(world.departments)
    ticket["routed_department_id"] = department
    if rng.random() < 0.03:  # a wrong first dispatch, refused (退单)
        wrong = rng.choice(world.departments)
        events.append({"kind": EventKind.DISPATCHED, "at": moment, "department_id": wrong})
        moment += dt.timedelta(minutes=rng.randint(20, 180))
        events.append({"kind": EventKind.REFUSED, "at": moment, "department_id": wrong})
        ticket["refusal_count"] = 1
        ticket["dispatch_count"] = 1
        moment += dt.timedelta(minutes=rng.randint(5, 60))
        if moment > now:
            ticket["updated_at"] = moment - dt.timedelta(minutes=5)
            return ticket, events
    events.append({"kind": EventKind.DISPATCHED, "at": moment, "department_id": department})
    handle_days = HANDLE_DAYS[request_type]
    ticket.update(
        status=Status.DISPATCHED,
        lead_department_id=department,
        dispatched_at=moment,
        accept_due=moment + dt.timedelta(hours=2),
        handle_due=moment + dt.timedelta(days=handle_days + 2),
        dispatch_count=ticket["dispatch_count"] + 1,
        updated_at=moment,
    )
    ticket["expected_at"] = ticket["handle_due"]
    accepted = moment + dt.timedelta(minutes=rng.randint(5, 100) if rng.random() < 0.97 else rng.randint(130, 600))
    if accepted > now:
        return ticket, events
    ticket.update(
        status=Status.HANDLING,
        accepted_at=accepted,
        accepted_on_time=accepted <= ticket["accept_due"],
        updated_at=accepted,
    )
    replied = accepted + dt.timedelta(
        hours=rng.uniform(2, 24 * (handle_days + 2) * (1.0 if rng.random() < 0.96 else 1.6))
    )
    if replied > now:
        return ticket, events
    ticket.update(
        status=Status.REPLIED,
        replied_at=replied,
        closed_on_time=replied <= ticket["handle_due"],
        reply=demo_text.reply(rng, text, request_type, world.department_names.get(department, ""), accepted, replied),
        updated_at=replied,
    )
    closed = replied + dt.timedelta(hours=rng.uniform(1, 30))
    if closed > now:
        return ticket, events
    ticket.update(status=Status.CLOSED, closed_at=closed, public_reply=ticket["reply"], updated_at=closed)
    return _rated(rng, ticket, closed, now), events


def _rated(rng: random.Random, ticket: dict[str, Any], closed: dt.datetime, now: dt.datetime) -> dict[str, Any]:
    rated = closed + dt.timedelta(hours=rng.uniform(1, 48))
    if rated > now or rng.random() > 0.8:
        return ticket
    roll = rng.random()
    rating = Rating.SATISFIED if roll < 0.9 else (Rating.BASICALLY_SATISFIED if roll < 0.985 else Rating.UNSATISFIED)
    ticket.update(status=Status.RATED, rating=rating, rated_at=rated, updated_at=rated)
    return ticket
