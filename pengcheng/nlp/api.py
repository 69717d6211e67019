"""Classifier JSON API at /api/v1/nlp/: classify a text, list versions, activate and roll back. The
same services serve the console."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from pengcheng.api import actor_of, require_scope
from pengcheng.core.errors import Conflict, NotFound, ValidationFailed
from pengcheng.hotline import access
from pengcheng.nlp import selectors, services, store
from pengcheng.nlp.pipeline import Classified

router = Router(tags=["nlp"])
MAX_BATCH = 100


class ClassifyIn(Schema):
    texts: list[str]


class GuessOut(Schema):
    label: str
    score: float


class ResultOut(Schema):
    heads: dict[str, list[GuessOut]] | None = None
    refused: str | None = None
    reason: str | None = None


class ClassifyOut(Schema):
    version: int
    results: list[ResultOut]


class VersionOut(Schema):
    version: int
    status: str
    metrics: dict[str, Any]
    training_size: int
    holdout_size: int
    corrections: int
    trained_at: dt.datetime
    activated_at: dt.datetime | None
    sha256: str


class NoteIn(Schema):
    note: str = ""


@router.post("/classify", response=ClassifyOut, summary="Top-3 type, category and department for texts")
def classify(request: HttpRequest, payload: ClassifyIn) -> Any:
    require_scope(request, "hotline")
    access.require_dispatcher(actor_of(request), "nlp.classify")
    if not 1 <= len(payload.texts) <= MAX_BATCH:
        raise ValidationFailed({"texts": [f"send 1 to {MAX_BATCH} texts"]})
    loaded = store.active_model()
    if loaded is None:
        raise Conflict("no usable classifier model: dispatch by hand", code="model_unavailable")
    version, model = loaded
    results: list[dict[str, Any]] = []
    for result in model.classify(payload.texts, k=3):
        if isinstance(result, Classified):
            results.append({"heads": {h: [g.__dict__ for g in gs] for h, gs in result.heads.items()}})
        else:
            results.append({"refused": result.code, "reason": result.reason})
    return {"version": version.version, "results": results}


@router.get("/versions", response=list[VersionOut], summary="Model versions, newest first")
def versions(request: HttpRequest) -> Any:
    access.require_dispatcher(actor_of(request), "nlp.view")
    return list(selectors.versions()[:100])


@router.post("/versions/{number}/activate", response=VersionOut, summary="Make a version active (rollback)")
def activate(request: HttpRequest, number: int, payload: NoteIn) -> Any:
    require_scope(request, "hotline")
    found = selectors.version(number)
    if found is None:
        raise NotFound("no such version")
    return services.activate(actor_of(request), found, payload.note)


@router.post("/rollback", response=VersionOut, summary="Go back to the previously active version")
def rollback(request: HttpRequest, payload: NoteIn) -> Any:
    require_scope(request, "hotline")
    return services.rollback(actor_of(request), payload.note)
