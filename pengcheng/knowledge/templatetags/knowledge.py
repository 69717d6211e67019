"""Template tags other apps' pages use to show knowledge-base figures without depending on it in code."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.translation import gettext_lazy as _

from pengcheng.core.actors import MaybeActor
from pengcheng.knowledge import selectors

register = template.Library()

# Shown on the hotline supervisor overview; the msgid lives here so this app's catalogue carries it.
RATE_LABEL = _("Enquiries answered directly")


@register.simple_tag
def direct_answer_rate(start: dt.date, end: dt.date, actor: MaybeActor) -> selectors.DirectAnswerRate:
    """直接答复率 for enquiries received in [start, end] that ``actor`` may see (the supervisor
    overview shows it)."""
    return selectors.direct_answer_rate(start, end, actor)
