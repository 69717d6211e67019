"""Template tags other apps' pages use to show knowledge-base figures without depending on it in code."""

from __future__ import annotations

import datetime as dt

from django import template

from pengcheng.knowledge import selectors

register = template.Library()


@register.simple_tag
def direct_answer_rate(start: dt.date, end: dt.date) -> selectors.DirectAnswerRate:
    """直接答复率 for enquiries received in [start, end] (the supervisor overview shows it)."""
    return selectors.direct_answer_rate(start, end)
