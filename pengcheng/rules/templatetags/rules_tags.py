"""``{% rule_decision application %}``: the rules' decision and its reasons on an application page."""

from __future__ import annotations

from typing import Any

from django import template

from pengcheng.rules.selectors import latest_decision

register = template.Library()


@register.inclusion_tag("rules/_decision.html")
def rule_decision(application: Any, show_explanation: bool = False) -> dict[str, Any]:
    return {"decision": latest_decision(application), "show_explanation": show_explanation}
