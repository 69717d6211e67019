"""Dispatcher decisions → corrections (training data), from the hotline's ``feedback`` signal.

A decision is a correction when the dispatcher changed the category or type, dispatched a ticket
that a department had returned (退单), moved it (转派), or sent it elsewhere than the model's best
department. Plain agreement with the model is not recorded: the ticket itself is training data.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from pengcheng.core.actors import SystemActor
from pengcheng.hotline.models import Ticket
from pengcheng.nlp.models import CorrectionKind
from pengcheng.nlp.pipeline import Classified

logger = logging.getLogger(__name__)


def _model_department(ticket: Ticket) -> str | None:
    from pengcheng.nlp.suggest import classify_ticket

    found = classify_ticket(ticket, k=1)
    if found is None or not isinstance(found[1], Classified):
        return None
    best = found[1].best("department")
    return best.label if best else None


def on_feedback(sender: Any, *, ticket: Ticket, actor: Any, kind: str, previous: dict[str, Any], **_: Any) -> None:
    from pengcheng.nlp.services import record_correction

    with transaction.atomic():  # a savepoint: a failure here must not spoil the dispatcher's change
        if kind == "refusal":
            record_correction(actor, ticket, CorrectionKind.REFUSAL, previous_department=previous.get("department"))
            return
        if kind == "transfer":
            record_correction(
                actor,
                ticket,
                CorrectionKind.TRANSFER,
                department=ticket.lead_department_id,
                category=ticket.category,
                request_type=ticket.request_type,
                previous_department=previous.get("department"),
            )
            return
        if kind != "dispatch" or isinstance(actor, SystemActor):
            return
        reclassified = previous.get("category") != ticket.category_id or previous.get("request_type") != (
            ticket.request_type
        )
        if reclassified:
            correction_kind = CorrectionKind.RECLASSIFY
        elif previous.get("refusals"):
            correction_kind = CorrectionKind.REDISPATCH
        else:
            suggested = _model_department(ticket)
            department = ticket.lead_department.code if ticket.lead_department else None
            if suggested is None or suggested == department:
                return
            correction_kind = CorrectionKind.REDISPATCH
        record_correction(
            actor,
            ticket,
            correction_kind,
            department=ticket.lead_department_id,
            category=ticket.category,
            request_type=ticket.request_type,
            previous_category=previous.get("category"),
            previous_type=str(previous.get("request_type") or ""),
        )
