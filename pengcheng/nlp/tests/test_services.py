"""Versions: train → evaluate on the held-back slice → promote if no worse → roll back; corrupt or
missing model files fall back to manual dispatch with a warning; corrections become training data;
automatic dispatch above the threshold."""

import logging

import pytest

from pengcheng.audit.models import AuditRecord
from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from pengcheng.hotline import classifier
from pengcheng.hotline import services as hotline
from pengcheng.hotline.models import RequestType, Status, Ticket
from pengcheng.nlp import selectors, services, store
from pengcheng.nlp.models import Correction, CorrectionKind, ModelVersion, VersionStatus
from pengcheng.nlp.tests.factories import SMALL, dispatched_tickets, ticket, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    found = world()
    dispatched_tickets(found)
    return found


def active_v1(place) -> ModelVersion:
    version = services.train_candidate(place.supervisor, options=SMALL)
    assert services.promote_if_no_worse(place.supervisor, version)
    version.refresh_from_db()
    return version


def test_training_data_holds_final_labels_and_a_fixed_holdout(place) -> None:
    data = services.training_data()
    assert len(data.train) + len(data.holdout) == Ticket.objects.count()
    assert data.holdout, "about a fifth of the tickets are held back"
    example = data.train[0]
    row = Ticket.objects.filter(pk=example.ticket_id).values("request_type", "category__code", "lead_department__code")
    assert example.labels == {
        "type": row[0]["request_type"],
        "category": row[0]["category__code"],
        "department": row[0]["lead_department__code"],
    }
    assert {e.ticket_id for e in services.training_data().holdout} == {e.ticket_id for e in data.holdout}


def test_train_evaluate_promote_and_rollback(place, model_dir) -> None:
    first = active_v1(place)
    assert first.status == VersionStatus.ACTIVE and first.version == 1
    assert (model_dir / first.file_name).is_file()
    assert store.file_sha256(model_dir / first.file_name) == first.sha256
    assert set(first.metrics) == {"type", "category", "department"}
    assert first.metrics["department"]["n"] == first.holdout_size > 0
    assert first.metrics["department"]["macro_f1"] >= 0.8

    second = services.train_candidate(place.supervisor, options=SMALL)
    assert second.status == VersionStatus.CANDIDATE
    assert services.promote_if_no_worse(place.supervisor, second)
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.status == VersionStatus.ACTIVE and first.status == VersionStatus.RETIRED
    assert second.baseline["department"]["macro_f1"] == first.metrics["department"]["macro_f1"]

    restored = services.rollback(place.supervisor)
    assert restored.pk == first.pk
    assert ModelVersion.objects.get(pk=first.pk).status == VersionStatus.ACTIVE
    assert ModelVersion.objects.get(pk=second.pk).status == VersionStatus.RETIRED
    actions = set(AuditRecord.objects.filter(action__startswith="nlp.").values_list("action", flat=True))
    assert {"nlp.model_trained", "nlp.model_promoted", "nlp.model_activated"} <= actions

    # Any version can be activated again; the active one cannot be activated twice.
    services.activate(place.supervisor, ModelVersion.objects.get(pk=second.pk))
    with pytest.raises(Conflict):
        services.activate(place.supervisor, ModelVersion.objects.get(pk=second.pk))


def test_a_worse_candidate_is_rejected(place) -> None:
    active = active_v1(place)
    # A burst of careless corrections, each sending a ticket to the wrong department.
    codes = {d.code: key for key, d in place.departments.items()}
    wrong = {"STHJJ": "CGJ", "CGJ": "RSJ", "RSJ": "STHJJ"}
    for example in services.training_data().train * 3:
        services.record_correction(
            place.dispatcher,
            Ticket.objects.get(pk=example.ticket_id),
            CorrectionKind.REDISPATCH,
            department=place.departments[wrong[codes[example.labels["department"]]]],
        )
    worse = services.train_candidate(place.supervisor, options=SMALL)
    assert (services.overall(worse.metrics) or 0) < (services.overall(active.metrics) or 0)
    assert not services.promote_if_no_worse(place.supervisor, worse)
    worse.refresh_from_db()
    assert worse.status == VersionStatus.REJECTED
    assert selectors.active() == active
    assert AuditRecord.objects.filter(action="nlp.model_rejected").exists()


def test_only_centre_supervisors_manage_models(place) -> None:
    with pytest.raises(AccessDenied):
        services.train_candidate(place.dispatcher, options=SMALL)
    active_v1(place)
    with pytest.raises(AccessDenied):
        services.rollback(place.dispatcher)
    with pytest.raises(NotFound):
        services.rollback(place.supervisor)  # nothing earlier to go back to


def test_suggestions_reach_the_dispatcher_seam(place) -> None:
    active_v1(place)
    new = ticket(place, "南山区深夜工地还在施工，噪音太大，吵得没法睡觉", RequestType.COMPLAINT, "0301")
    found = classifier.suggestions(new)
    assert len(found) == 3
    assert found[0].department == place.departments["STHJJ"]
    assert found[0].score >= found[1].score >= found[2].score
    assert found[0].source.startswith("分类模型 v1")  # the UI language is zh-Hans


@pytest.mark.parametrize("damage", ["corrupt", "missing"])
def test_damaged_model_file_falls_back_to_manual_dispatch_with_a_warning(place, model_dir, caplog, damage) -> None:
    version = active_v1(place)
    services.update_settings(place.supervisor, auto_dispatch=True, threshold=0.5)
    path = model_dir / version.file_name
    if damage == "corrupt":
        path.write_bytes(b"\x80\x04 not a model at all")
    else:
        path.unlink()
    store.forget()
    with caplog.at_level(logging.ERROR, logger="pengcheng.nlp.store"):
        new = ticket(place, "南山区深夜工地还在施工，噪音太大", RequestType.COMPLAINT, "0301")
        assert classifier.suggestions(new) == []
    assert Ticket.objects.get(pk=new.pk).status == Status.RECEIVED  # waits for a person
    assert any("unavailable" in r.getMessage() for r in caplog.records)
    warnings = selectors.warnings()
    assert warnings and f"v{version.version}" in warnings[0]
    assert ModelVersion.objects.get(pk=version.pk).load_error
    # Retraining repairs it: an unusable active model never blocks a candidate.
    repaired = services.train_candidate(place.supervisor, options=SMALL)
    assert services.promote_if_no_worse(place.supervisor, repaired)
    assert selectors.warnings() == []
    assert classifier.suggestions(new)


def test_no_active_model_is_a_warning_too(place) -> None:
    assert selectors.warnings()
    assert classifier.suggestions(Ticket.objects.earliest("pk")) == []


def test_corrections_are_recorded_and_become_training_data(place) -> None:
    active_v1(place)
    noise = place.departments["STHJJ"]
    roads = place.departments["CGJ"]
    new = ticket(place, "宝安区路灯坏了一个星期没人修", RequestType.HELP, "0102")
    # The dispatcher re-classifies and sends it to the wrong department.
    hotline.dispatch(
        place.dispatcher, new, noise, category=place.categories["0301"], request_type=RequestType.COMPLAINT
    )
    reclass = Correction.objects.get(ticket=new)
    assert reclass.kind == CorrectionKind.RECLASSIFY
    assert reclass.previous_type == RequestType.HELP and reclass.request_type == RequestType.COMPLAINT
    assert reclass.previous_category_id == place.categories["0102"].pk
    # The department returns it (退单), and the dispatcher sends it on correctly.
    hotline.refuse(SYSTEM, Ticket.objects.get(pk=new.pk), "不属于我局职责")
    refusal = Correction.objects.filter(ticket=new, kind=CorrectionKind.REFUSAL).get()
    assert refusal.previous_department_id == noise.pk and refusal.department_id is None
    hotline.dispatch(place.dispatcher, Ticket.objects.get(pk=new.pk), roads)
    redispatch = Correction.objects.filter(ticket=new, kind=CorrectionKind.REDISPATCH).get()
    assert redispatch.department_id == roads.pk
    # A dispatcher's transfer (转派) is a correction as well.
    hotline.transfer(place.dispatcher, Ticket.objects.get(pk=new.pk), noise, "其实是噪音问题")
    assert Correction.objects.filter(ticket=new, kind=CorrectionKind.TRANSFER, department=noise).exists()

    data = services.training_data()
    weighted = [e for e in data.train + data.holdout if e.ticket_id == new.pk and e.weight > 1]
    if new.pk in {e.ticket_id for e in data.holdout}:
        assert not weighted  # corrections of held-back tickets stay out of training
    else:
        assert data.corrections == 3
        assert {e.labels["department"] for e in weighted} == {noise.code, roads.code}


def test_agreeing_with_the_model_is_not_a_correction(place) -> None:
    active_v1(place)
    new = ticket(place, "罗湖区深夜酒吧音响声音太大，噪音扰民", RequestType.COMPLAINT, "0301")
    hotline.dispatch(place.dispatcher, new, place.departments["STHJJ"])
    assert not Correction.objects.filter(ticket=new).exists()
    other = ticket(place, "罗湖区深夜酒吧音响声音太大，噪音扰民", RequestType.COMPLAINT, "0301")
    hotline.dispatch(place.dispatcher, other, place.departments["RSJ"])
    assert Correction.objects.get(ticket=other).kind == CorrectionKind.REDISPATCH


def test_automatic_dispatch_above_the_threshold_only(place) -> None:
    active_v1(place)
    text = "福田区工地深夜施工噪音很大，影响休息"
    off = ticket(place, text, RequestType.COMPLAINT, "0301")
    assert off.status == Status.RECEIVED  # automatic dispatch is off by default

    services.update_settings(place.supervisor, auto_dispatch=True, threshold=0.5)
    confident = ticket(place, text, RequestType.COMPLAINT, "0301")
    confident = Ticket.objects.get(pk=confident.pk)
    assert confident.status == Status.DISPATCHED
    assert confident.lead_department == place.departments["STHJJ"]
    assert "分类模型 v1" in confident.events.filter(kind="dispatched").get().note

    services.update_settings(place.supervisor, auto_dispatch=True, threshold=1.0)
    waiting = ticket(place, text, RequestType.COMPLAINT, "0301")
    assert Ticket.objects.get(pk=waiting.pk).status == Status.RECEIVED


def test_settings_are_validated_and_audited(place) -> None:
    with pytest.raises(ValidationFailed):
        services.update_settings(place.supervisor, auto_dispatch=True, threshold="x")
    with pytest.raises(ValidationFailed):
        services.update_settings(place.supervisor, auto_dispatch=True, threshold=0.2)
    with pytest.raises(AccessDenied):
        services.update_settings(place.dispatcher, auto_dispatch=True, threshold=0.8)
    row = services.update_settings(place.supervisor, auto_dispatch=True, threshold="0.85")
    assert services.current_settings().pk == row.pk and row.threshold == 0.85
    assert AuditRecord.objects.filter(action="nlp.settings_changed").exists()


def test_demo_seed_trains_and_activates_the_first_version(place) -> None:
    from pengcheng.nlp.seed import seed_demo
    from pengcheng.seeding import SeedContext

    seed_demo(SeedContext(quiet=True))
    first = selectors.active()
    assert first is not None and first.version == 1 and first.note == "demo seed"
    seed_demo(SeedContext(quiet=True))  # idempotent
    assert ModelVersion.objects.count() == 1
