"""``{% rule_decision application %}``: the rules' decision and its reasons on an application page."""

from __future__ import annotations

from typing import Any

from django import template

from pengcheng.rules.selectors import latest_decision

register = template.Library()


@register.inclusion_tag("rules/_decision.html")
def rule_decision(application: Any, show_explanation: bool = False) -> dict[str, Any]:
    return {"decision": latest_decision(application), "show_explanation": show_explanation}


@register.inclusion_tag("rules/_referral_badge.html")
def referral_badge(application: Any) -> dict[str, Any]:
    """A tag in the clerk queue for a case the rules referred (read from the application, no query)."""
    decision = (getattr(application, "extensions", None) or {}).get("submit_decision") or {}
    return {"referred": decision.get("outcome") == "refer", "reason": decision.get("reason", "")}
