"""Reads: rule sets in force, decisions, the 秒报/秒批 figures, policies and their reach."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from pengcheng.applications.models import Application
from pengcheng.catalog.models import ItemStatus, ItemVersion, ServiceItem
from pengcheng.core.actors import MaybeActor
from pengcheng.core.models import Role, User
from pengcheng.core.permissions import require_platform_role, require_role
from pengcheng.prefill.selectors import is_instant_fill
from pengcheng.rules.models import (
    Decision,
    Outcome,
    Policy,
    PolicyMatch,
    RuleSet,
    RuleSetState,
)

EDITOR_ROLES = (Role.SUPERVISOR,)


def in_force(item_version: ItemVersion | int, at: dt.datetime | None = None) -> RuleSet | None:
    """The published rule set that applies at ``at``: the latest effective one whose window contains it."""
    at = at or timezone.now()
    version_id = item_version if isinstance(item_version, int) else item_version.pk
    return (
        RuleSet.objects.filter(item_version_id=version_id, state=RuleSetState.PUBLISHED)
        .filter(Q(effective_from__isnull=True) | Q(effective_from__lte=at))
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gt=at))
        .order_by("-effective_from", "-number")
        .first()
    )


def editable_rule_sets(actor: MaybeActor) -> QuerySet[RuleSet]:
    """Rule sets the actor may see and edit: all for operators, their departments' items for supervisors."""
    scope = require_role(actor, *EDITOR_ROLES, action="rules.view")
    rule_sets = RuleSet.objects.select_related("item_version", "item_version__item", "item_version__item__department")
    if not scope.platform_wide:
        rule_sets = rule_sets.filter(item_version__item__department_id__in=scope.departments_with(*EDITOR_ROLES))
    return rule_sets.order_by("item_version__item__code", "-item_version__number", "-number")


def rule_set_for(actor: MaybeActor, pk: int) -> RuleSet:
    from pengcheng.core.errors import NotFound

    found = editable_rule_sets(actor).filter(pk=pk).first()
    if found is None:
        raise NotFound("No such rule set.")
    return found


def newer_versions(rule_set: RuleSet) -> list[ItemVersion]:
    """Versions of the rule set's item published after its own, newest first: where it can be copied."""
    source = rule_set.item_version
    return list(ItemVersion.objects.filter(item_id=source.item_id, number__gt=source.number).order_by("-number"))


def latest_decision(application: Application) -> Decision | None:
    return Decision.objects.filter(application=application).select_related("rule_set").first()


def instant_fill_versions() -> QuerySet[ItemVersion]:
    """秒报: current versions of online items flagged instant-fill (``extensions["instant_fill"]``), the flag
    that makes ``prefill`` show the consent screen and fill the form. A ``prefill`` hint alone only says
    where a value could come from; nearly every form has some, so counting hints would count everything."""
    current = ItemVersion.objects.filter(
        pk__in=ServiceItem.objects.filter(status=ItemStatus.ONLINE).values("current_version")
    )
    ids = [version.pk for version in current.only("pk", "extensions") if is_instant_fill(version)]
    return ItemVersion.objects.filter(pk__in=ids)


def instant_approval_versions(at: dt.datetime | None = None) -> QuerySet[ItemVersion]:
    """秒批: current versions of online items with a published rule set in force."""
    at = at or timezone.now()
    live = RuleSet.objects.filter(item_version=OuterRef("pk"), state=RuleSetState.PUBLISHED).filter(
        (Q(effective_from__isnull=True) | Q(effective_from__lte=at))
        & (Q(effective_until__isnull=True) | Q(effective_until__gt=at))
    )
    return ItemVersion.objects.filter(
        pk__in=ServiceItem.objects.filter(status=ItemStatus.ONLINE).values("current_version")
    ).filter(Exists(live))


def stats(actor: MaybeActor) -> dict[str, Any]:
    """The operator's figures: 秒报, 秒批 and both, decisions automatic vs referred, policy reach."""
    require_platform_role(actor, action="rules.stats")
    fill = set(instant_fill_versions().values_list("pk", flat=True))
    approve = set(instant_approval_versions().values_list("pk", flat=True))
    decisions = dict(Decision.objects.values_list("outcome").annotate(n=Count("pk")).values_list("outcome", "n"))
    total = sum(decisions.values())
    automatic = decisions.get(Outcome.APPROVE, 0) + decisions.get(Outcome.REJECT, 0)
    both = ItemVersion.objects.filter(pk__in=fill & approve).select_related("item").order_by("item__code")
    return {
        "instant_fill": len(fill),
        "instant_approval": len(approve),
        "both": len(fill & approve),
        "both_items": list(both),
        "approval_items": list(
            ItemVersion.objects.filter(pk__in=approve).select_related("item").order_by("item__code")[:200]
        ),
        "decisions": total,
        "approved": decisions.get(Outcome.APPROVE, 0),
        "rejected": decisions.get(Outcome.REJECT, 0),
        "referred": decisions.get(Outcome.REFER, 0),
        "automatic": automatic,
        "automatic_rate": (100.0 * automatic / total) if total else None,
        "policies": policy_reach(actor),
    }


def policy_reach(actor: MaybeActor) -> list[dict[str, Any]]:
    """Per policy: matched, notified and applied counts (one grouped query)."""
    require_platform_role(actor, action="rules.policies")
    counts: dict[int, dict[str, Any]] = {
        row["policy_id"]: dict(row)
        for row in PolicyMatch.objects.values("policy_id").annotate(
            matched=Count("pk"),
            notified=Count("pk", filter=Q(notified_at__isnull=False)),
            applied=Count("pk", filter=Q(applied_at__isnull=False)),
        )
    }
    rows = []
    for policy in Policy.objects.select_related("department", "item").order_by("code"):
        row = counts.get(policy.pk, {})
        rows.append(
            {
                "policy": policy,
                "matched": row.get("matched", 0),
                "notified": row.get("notified", 0),
                "applied": row.get("applied", 0),
            }
        )
    return rows


def policies_for(user: MaybeActor) -> QuerySet[PolicyMatch]:
    """The policies matched for this person (and the companies they were notified for)."""
    if not isinstance(user, User):
        return PolicyMatch.objects.none()
    return PolicyMatch.objects.filter(recipient=user).select_related("policy", "policy__item").order_by("-matched_at")
