"""The ticket state machine. Every service that changes a ticket's status asks ``check`` first; an
action not allowed from the ticket's current status raises ``Conflict``.

受理 → 派单 → 签收 → 办理 → 回复 → 办结 → 回访 → 评价:

    received ──dispatch──▶ dispatched ──accept──▶ handling ──reply──▶ replied ──close──▶ closed ──rate──▶ rated
     ▲ ▲ │                   │  ▲                  │  ▲                  │                               │
     │ │ └──answer (直接答复)─┼──┼──────────────────┼──┼──────────────────┼──▶ closed                      │
     │ └──────refuse (退单)───┘  └──transfer (转派)──┘  └──return_reply───┘                               │
     └────────────────────────────────────reopen (重办, after 不满意, same number)──────────────────────────┘
    received / dispatched / handling ──merge──▶ merged
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from pengcheng.core.errors import Conflict
from pengcheng.hotline.models import OPEN_STATUSES, Status, Ticket


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str | None  # None: the status does not change


ALL_STATUSES = frozenset(Status.values)

TRANSITIONS: dict[str, Transition] = {
    "dispatch": Transition(frozenset({Status.RECEIVED}), Status.DISPATCHED),
    "answer": Transition(frozenset({Status.RECEIVED}), Status.CLOSED),
    "accept": Transition(frozenset({Status.DISPATCHED}), Status.HANDLING),
    "refuse": Transition(frozenset({Status.DISPATCHED}), Status.RECEIVED),
    "transfer": Transition(frozenset({Status.DISPATCHED, Status.HANDLING}), Status.DISPATCHED),
    "request_extension": Transition(frozenset({Status.HANDLING}), None),
    "decide_extension": Transition(frozenset({Status.HANDLING}), None),
    "opinion": Transition(frozenset({Status.DISPATCHED, Status.HANDLING}), None),
    "reply": Transition(frozenset({Status.HANDLING}), Status.REPLIED),
    "return_reply": Transition(frozenset({Status.REPLIED}), Status.HANDLING),
    "close": Transition(frozenset({Status.REPLIED}), Status.CLOSED),
    "rate": Transition(frozenset({Status.CLOSED}), Status.RATED),
    "reopen": Transition(frozenset({Status.RATED}), Status.RECEIVED),
    "merge": Transition(frozenset({Status.RECEIVED, Status.DISPATCHED, Status.HANDLING}), Status.MERGED),
    "supervise": Transition(frozenset(OPEN_STATUSES), None),
    "note": Transition(ALL_STATUSES, None),
}


def allowed(action: str, status: str) -> bool:
    return status in TRANSITIONS[action].sources


def check(ticket: Ticket, action: str) -> str:
    """The status after ``action``; raises ``Conflict`` if the action is not allowed now."""
    transition = TRANSITIONS[action]
    if ticket.status not in transition.sources:
        raise Conflict(
            _("Ticket %(number)s is %(status)s: “%(action)s” is not possible now.")
            % {"number": ticket.number, "status": Status(ticket.status).label, "action": action_label(action)},
            code="illegal_transition",
            details={"status": ticket.status, "action": action},
        )
    return transition.target or ticket.status


def actions_from(status: str) -> list[str]:
    return [action for action, transition in TRANSITIONS.items() if status in transition.sources]


def action_label(action: str) -> str:
    labels = {
        "dispatch": _("dispatch"),
        "answer": _("answer directly"),
        "accept": _("accept"),
        "refuse": _("refuse"),
        "transfer": _("transfer"),
        "request_extension": _("request an extension"),
        "decide_extension": _("decide on an extension"),
        "opinion": _("give an assisting opinion"),
        "reply": _("reply"),
        "return_reply": _("send the reply back"),
        "close": _("close"),
        "rate": _("rate"),
        "reopen": _("reopen"),
        "merge": _("merge"),
        "supervise": _("change supervision"),
        "note": _("add a note"),
    }
    return labels.get(action, action)
