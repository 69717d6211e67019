"""State changes for the hotline classifier: training, evaluation, promotion and rollback of model
versions, dispatcher corrections, and the auto-dispatch setting. Each function checks its own
permission and leaves an audit record."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from sklearn.metrics import accuracy_score, f1_score

from pengcheng.audit.services import record as audit
from pengcheng.core.actors import SYSTEM, MaybeActor
from pengcheng.core.errors import Conflict, NotFound, ValidationFailed
from pengcheng.core.models import Department, User
from pengcheng.hotline import access
from pengcheng.hotline.models import Category, Ticket
from pengcheng.nlp import corpus, store
from pengcheng.nlp.models import ClassifierSettings, Correction, CorrectionKind, ModelVersion, VersionStatus
from pengcheng.nlp.pipeline import Classified, Options, TextModel

logger = logging.getLogger(__name__)

HEADS = ("type", "category", "department")
HEAD_LABELS = {
    "type": gettext_lazy("Type"),
    "category": gettext_lazy("Category"),
    "department": gettext_lazy("Department"),
}
CORRECTION_WEIGHT = 2.0  # a dispatcher's correction counts more than an uncorrected ticket
MIN_TRAINING_TICKETS = 20
Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def _actor_label(actor: MaybeActor) -> str:
    return str(getattr(actor, "username", actor))[:150]


def ticket_text(title: str, description: str) -> str:
    """What the classifier reads of a ticket: subject and description."""
    title = (title or "").strip()
    description = (description or "").strip()
    if title and description.startswith(title):
        return description
    return f"{title}。{description}" if title else description


def in_holdout(ticket_id: int) -> bool:
    """The held-back slice (about one ticket in five), fixed per ticket so that every candidate and
    the active model are compared on the same tickets, which none of them was trained on."""
    share = float(getattr(settings, "PENGCHENG_NLP_HOLDOUT_SHARE", 0.2))
    digest = hashlib.sha256(f"nlp-holdout:{ticket_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


# Training data ------------------------------------------------------------------------------


@dataclass
class Example:
    ticket_id: int
    text: str
    labels: dict[str, str | None]
    weight: float = 1.0


@dataclass
class TrainingData:
    train: list[Example] = field(default_factory=list)
    holdout: list[Example] = field(default_factory=list)
    corrections: int = 0


def training_data() -> TrainingData:
    """Every ticket with its final type, category and lead department, plus every correction that
    names the right answer (weighted up). Tickets in the held-back slice go to ``holdout``."""
    data = TrainingData()
    rows = Ticket.objects.filter(parent__isnull=True).values_list(
        "pk", "title", "description", "request_type", "category__code", "lead_department__code"
    )
    for pk, title, description, request_type, category, department in rows.iterator(chunk_size=2000):
        example = Example(
            pk,
            ticket_text(title, description),
            {"type": request_type or None, "category": category or None, "department": department or None},
        )
        (data.holdout if in_holdout(pk) else data.train).append(example)
    corrections = Correction.objects.values_list(
        "ticket_id", "text", "request_type", "category__code", "department__code"
    ).order_by("pk")
    for ticket_id, text, request_type, category, department in corrections.iterator(chunk_size=2000):
        labels = {"type": request_type or None, "category": category or None, "department": department or None}
        if not any(labels.values()) or in_holdout(ticket_id):
            continue  # a 退单 alone says only what was wrong; the re-dispatch that follows says what is right
        data.train.append(Example(ticket_id, text, labels, CORRECTION_WEIGHT))
        data.corrections += 1
    return data


def unlabelled_corpus() -> list[str]:
    """Unlabelled text for the learned representation: the departments' replies the platform holds,
    plus the CSV files named in ``PENGCHENG_NLP_CORPUS`` (e.g. a city's archive of past requests)."""
    texts = list(Ticket.objects.exclude(reply="").order_by("-pk").values_list("reply", flat=True)[:20000])
    if getattr(settings, "PENGCHENG_NLP_CORPUS", ""):
        texts.extend(corpus.collect(corpus.default_sources())[0])
    return texts


def evaluate(model: TextModel, examples: Sequence[Example]) -> dict[str, dict[str, float]]:
    """Macro-F1 and accuracy per head on ``examples`` (rows without a label for a head are skipped)."""
    results: dict[str, dict[str, float]] = {}
    if not examples:
        return results
    predictions = model.classify([e.text for e in examples], k=1)
    for head in HEADS:
        truth: list[str] = []
        guess: list[str] = []
        for example, result in zip(examples, predictions, strict=True):
            label = example.labels.get(head)
            if not label:
                continue
            best = result.best(head) if isinstance(result, Classified) else None
            truth.append(label)
            guess.append(best.label if best else "")
        if truth:
            results[head] = {
                "macro_f1": round(float(f1_score(truth, guess, average="macro", labels=sorted(set(truth)))), 4),
                "accuracy": round(float(accuracy_score(truth, guess)), 4),
                "n": len(truth),
            }
    return results


def overall(metrics: dict[str, dict[str, float]]) -> float | None:
    """One figure to compare versions: the mean macro-F1 over the heads measured."""
    scores = [m["macro_f1"] for m in metrics.values() if "macro_f1" in m]
    return round(sum(scores) / len(scores), 4) if scores else None


# Versions -----------------------------------------------------------------------------------


def _require_manager(actor: MaybeActor, action: str) -> None:
    access.require_centre_supervisor(actor, f"nlp.{action}")


def train_candidate(
    actor: MaybeActor, *, options: Options | None = None, progress: Progress = _quiet, note: str = ""
) -> ModelVersion:
    """训练候选模型: train on the tickets and corrections, evaluate on the held-back slice, store
    the file and a candidate version row."""
    _require_manager(actor, "train")
    started = time.monotonic()
    data = training_data()
    progress(
        f"{len(data.train):,} training examples ({data.corrections:,} corrections), {len(data.holdout):,} held back"
    )
    if len([e for e in data.train if e.labels.get("type")]) < MIN_TRAINING_TICKETS:
        raise Conflict(_("Too few tickets to train on (at least %(n)s are needed).") % {"n": MIN_TRAINING_TICKETS})
    model = TextModel(options).fit(
        [e.text for e in data.train],
        {head: [e.labels.get(head) for e in data.train] for head in HEADS},
        weights=[e.weight for e in data.train],
        unlabelled=unlabelled_corpus(),
        progress=progress,
    )
    progress(f"evaluating on {len(data.holdout):,} held-back tickets")
    metrics = evaluate(model, data.holdout)
    with transaction.atomic():
        # Lock the newest row (PostgreSQL refuses FOR UPDATE with an aggregate); the unique
        # version number catches the rare race on an empty table.
        newest = ModelVersion.objects.select_for_update().order_by("-version").values_list("version", flat=True)
        number = (newest.first() or 0) + 1
        file_name, sha256, size = store.save(model, number)
        version = ModelVersion.objects.create(
            version=number,
            status=VersionStatus.CANDIDATE,
            file_name=file_name,
            sha256=sha256,
            size_bytes=size,
            training_size=len(data.train),
            holdout_size=len(data.holdout),
            corrections=data.corrections,
            metrics=metrics,
            seconds=round(time.monotonic() - started, 1),
            trained_by=_actor_label(actor),
            note=note[:300],
        )
        audit(
            actor,
            "nlp.model_trained",
            version,
            summary=f"v{number} trained on {len(data.train)} examples, score {overall(metrics)}",
            data={"metrics": metrics, "sha256": sha256, "training_size": len(data.train)},
        )
    progress(f"v{number}: " + ", ".join(f"{h} macro-F1 {m['macro_f1']:.4f}" for h, m in metrics.items()))
    return version


def _activate(actor: MaybeActor, version: ModelVersion, action: str, note: str) -> ModelVersion:
    now = timezone.now()
    previous = ModelVersion.objects.select_for_update().filter(status=VersionStatus.ACTIVE).first()
    if previous is not None and previous.pk != version.pk:
        previous.status = VersionStatus.RETIRED
        previous.retired_at = now
        previous.save(update_fields=["status", "retired_at"])
    version.status = VersionStatus.ACTIVE
    version.activated_at = now
    version.retired_at = None
    version.load_error = ""
    if note:
        version.note = note[:300]
    version.save(update_fields=["status", "activated_at", "retired_at", "load_error", "note"])
    audit(
        actor,
        f"nlp.model_{action}",
        version,
        summary=f"v{version.version} active" + (f", v{previous.version} retired" if previous else ""),
        data={"previous": previous.version if previous else None, "note": note},
    )
    # This process sees the change at once; others within ``store.ACTIVE_CACHE_SECONDS``.
    store.forget()
    transaction.on_commit(store.forget)
    return version


def promote_if_no_worse(actor: MaybeActor, candidate: ModelVersion, progress: Progress = _quiet) -> bool:
    """上线评审: the candidate replaces the active model only if its score on the held-back slice is
    no worse than the active model's on the same slice. Returns whether it was promoted."""
    _require_manager(actor, "promote")
    with transaction.atomic():
        candidate = ModelVersion.objects.select_for_update().get(pk=candidate.pk)
        if candidate.status != VersionStatus.CANDIDATE:
            raise Conflict(_("Only a candidate can be promoted this way."))
        active = ModelVersion.objects.filter(status=VersionStatus.ACTIVE).first()
        baseline: dict[str, dict[str, float]] = {}
        if active is not None:
            try:
                baseline = evaluate(store.load(active), training_data().holdout)
            except store.ModelUnavailable as exc:
                progress(f"active v{active.version} cannot be loaded ({exc}); the candidate replaces it")
        candidate.baseline = baseline
        new, old = overall(candidate.metrics), overall(baseline)
        tolerance = float(getattr(settings, "PENGCHENG_NLP_PROMOTE_TOLERANCE", 0.0))
        better = new is not None and (old is None or new >= old - tolerance)
        progress(f"candidate v{candidate.version} {new} vs active {old}: {'promote' if better else 'keep active'}")
        if not better:
            candidate.status = VersionStatus.REJECTED
            candidate.note = (_("Worse than the active model (%(new)s < %(old)s).") % {"new": new, "old": old})[:300]
            candidate.save(update_fields=["status", "note", "baseline"])
            audit(
                actor,
                "nlp.model_rejected",
                candidate,
                summary=f"v{candidate.version} {new} < active {old}",
                data={"metrics": candidate.metrics, "baseline": baseline},
            )
            return False
        candidate.save(update_fields=["baseline"])
        _activate(actor, candidate, "promoted", "")
    return True


def activate(actor: MaybeActor, version: ModelVersion, note: str = "") -> ModelVersion:
    """回滚 or manual activation: make any stored version the active one (its file must be intact)."""
    _require_manager(actor, "activate")
    with transaction.atomic():
        version = ModelVersion.objects.select_for_update().get(pk=version.pk)
        if version.status == VersionStatus.ACTIVE:
            raise Conflict(_("This version is already active."))
        problem = store.check_file(version)
        if problem:
            raise Conflict(
                _("Version %(v)s cannot be activated: %(problem)s") % {"v": version.version, "problem": problem}
            )
        store.forget(version.version)
        return _activate(actor, version, "activated", note)


def rollback(actor: MaybeActor, note: str = "") -> ModelVersion:
    """回滚: go back to the version that was active before the current one."""
    _require_manager(actor, "rollback")
    current = ModelVersion.objects.filter(status=VersionStatus.ACTIVE).first()
    earlier = ModelVersion.objects.filter(status=VersionStatus.RETIRED, activated_at__isnull=False)
    if current is not None and current.activated_at is not None:
        earlier = earlier.filter(activated_at__lt=current.activated_at)
    target = earlier.order_by("-activated_at").first()
    if target is None:
        raise NotFound(_("No earlier version to roll back to."))
    return activate(actor, target, note or _("Rolled back from v%(v)s.") % {"v": current.version if current else "-"})


def retrain(actor: MaybeActor = SYSTEM, progress: Progress = _quiet) -> ModelVersion:
    """定期重训: train a candidate and promote it if it is no worse (the scheduled job)."""
    candidate = train_candidate(actor, progress=progress, note=_("Scheduled retraining."))
    promote_if_no_worse(actor, candidate, progress)
    candidate.refresh_from_db()
    return candidate


# Corrections --------------------------------------------------------------------------------


def record_correction(
    actor: MaybeActor,
    ticket: Ticket,
    kind: str,
    *,
    department: Department | int | None = None,
    category: Category | None = None,
    request_type: str = "",
    previous_department: int | None = None,
    previous_category: int | None = None,
    previous_type: str = "",
) -> Correction:
    """Keep a dispatcher's correction (re-dispatch, 转派, 退单, re-classification) as training data."""
    if kind not in CorrectionKind.values:
        raise ValidationFailed({"kind": [_("Unknown correction kind.")]})
    department_id = department.pk if isinstance(department, Department) else department
    return Correction.objects.create(
        ticket=ticket,
        kind=kind,
        text=ticket_text(ticket.title, ticket.description),
        department_id=department_id,
        category=category,
        request_type=request_type,
        previous_department_id=previous_department,
        previous_category_id=previous_category,
        previous_type=previous_type,
        actor=actor if isinstance(actor, User) else None,
        actor_label=_actor_label(actor),
    )


# Settings -----------------------------------------------------------------------------------


def current_settings() -> ClassifierSettings:
    """The stored setting, or (unsaved) the defaults from the Django settings until someone saves one."""
    found = ClassifierSettings.objects.order_by("pk").first()
    if found is None:
        found = ClassifierSettings(
            auto_dispatch=bool(getattr(settings, "PENGCHENG_NLP_AUTO_DISPATCH", False)),
            threshold=float(getattr(settings, "PENGCHENG_NLP_AUTO_DISPATCH_THRESHOLD", 0.9)),
        )
    return found


# Ticket intake asks on every ticket whether automatic dispatch is on; each process keeps the answer
# for a few seconds (as it keeps the active model version), so intake needs no query for it.
_SETTINGS_SECONDS = 10.0
_settings_cache: dict[str, Any] = {"at": 0.0, "value": None}


def intake_settings() -> ClassifierSettings:
    """``current_settings`` as ticket intake sees it: at most ``_SETTINGS_SECONDS`` old in other
    processes, at once in the one that changed it. Read-only: change it with ``update_settings``."""
    now = time.monotonic()
    value = _settings_cache["value"]
    if value is None or now - _settings_cache["at"] >= _SETTINGS_SECONDS:
        value = current_settings()
        _settings_cache.update(at=now, value=value)
    return value


def forget_settings() -> None:
    _settings_cache["value"] = None


def update_settings(actor: MaybeActor, *, auto_dispatch: bool, threshold: Any) -> ClassifierSettings:
    """Set whether and above which confidence new tickets are dispatched automatically."""
    _require_manager(actor, "settings")
    try:
        value = float(threshold)
    except (TypeError, ValueError):
        raise ValidationFailed({"threshold": [_("Enter a number between 0.5 and 1.")]}) from None
    if not 0.5 <= value <= 1.0:
        raise ValidationFailed({"threshold": [_("Enter a number between 0.5 and 1.")]})
    with transaction.atomic():
        row = current_settings()
        row.auto_dispatch = bool(auto_dispatch)
        row.threshold = value
        row.updated_at = timezone.now()
        row.updated_by = _actor_label(actor)
        row.save()
        audit(
            actor, "nlp.settings_changed", row, summary=str(row), data={"auto": row.auto_dispatch, "threshold": value}
        )
        # Now for this transaction's own reads, and again at commit, in case another thread has
        # cached the old row in between.
        forget_settings()
        transaction.on_commit(forget_settings)
    return row
