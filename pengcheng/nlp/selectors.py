"""Reads for the classifier console and API: versions, corrections, operator warnings."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from pengcheng.nlp import store
from pengcheng.nlp.models import Correction, ModelVersion, VersionStatus


def versions() -> QuerySet[ModelVersion]:
    return ModelVersion.objects.all()


def version(number: int) -> ModelVersion | None:
    return ModelVersion.objects.filter(version=number).first()


def active() -> ModelVersion | None:
    return ModelVersion.objects.filter(status=VersionStatus.ACTIVE).first()


def recent_corrections(limit: int = 50) -> QuerySet[Correction]:
    return Correction.objects.select_related("ticket", "department", "category", "previous_department")[:limit]


def correction_counts() -> dict[str, int]:
    return dict(Correction.objects.values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))


def warnings() -> list[str]:
    """What an operator must know: no active model, or an active model whose file cannot be used
    (in both cases every ticket is dispatched by hand)."""
    current = active()
    if current is None:
        return [_("No active model: suggestions and automatic dispatch are off; tickets are dispatched by hand.")]
    problem = store.check_file(current) or current.load_error
    if problem:
        return [
            _(
                "The active model v%(v)s cannot be used (%(problem)s). Tickets are dispatched by hand until it is "
                "retrained or another version is activated."
            )
            % {"v": current.version, "problem": problem}
        ]
    return []
