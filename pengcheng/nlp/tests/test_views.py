"""The classifier console and API: who sees what, and the actions going through the services."""

import pytest

from pengcheng.audit.models import AuditRecord
from pengcheng.nlp import services
from pengcheng.nlp.models import ClassifierSettings, ModelVersion, VersionStatus
from pengcheng.nlp.tests.factories import SMALL, dispatched_tickets, world
from pengcheng.testing import login_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    found = world()
    dispatched_tickets(found)
    first = services.train_candidate(found.supervisor, options=SMALL)
    services.promote_if_no_worse(found.supervisor, first)
    second = services.train_candidate(found.supervisor, options=SMALL)
    services.promote_if_no_worse(found.supervisor, second)
    return found


def test_supervisor_sees_versions_and_rolls_back(place) -> None:
    client = login_client(place.supervisor.username)
    page = client.get("/console/hotline/classifier/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "v1" in html and "v2" in html and 'value="rollback"' in html
    response = client.post("/console/hotline/classifier/", {"action": "rollback"}, follow=True)
    assert response.status_code == 200
    assert ModelVersion.objects.get(version=1).status == VersionStatus.ACTIVE
    client.post("/console/hotline/classifier/", {"action": "activate", "version": "2"})
    assert ModelVersion.objects.get(version=2).status == VersionStatus.ACTIVE
    detail = client.get("/console/hotline/classifier/v2/")
    assert detail.status_code == 200 and ModelVersion.objects.get(version=2).sha256 in detail.content.decode()


def test_settings_form_and_its_errors(place) -> None:
    client = login_client(place.supervisor.username)
    client.post("/console/hotline/classifier/", {"action": "settings", "auto_dispatch": "on", "threshold": "0.8"})
    row = ClassifierSettings.objects.get()
    assert row.auto_dispatch and row.threshold == 0.8
    response = client.post(
        "/console/hotline/classifier/", {"action": "settings", "auto_dispatch": "on", "threshold": "2"}, follow=True
    )
    assert "0.5" in response.content.decode()  # the error says the allowed range
    assert ClassifierSettings.objects.get().threshold == 0.8


def test_agent_may_look_but_not_change(place) -> None:
    client = login_client(place.dispatcher.username)
    page = client.get("/console/hotline/classifier/")
    assert page.status_code == 200 and 'value="rollback"' not in page.content.decode()
    response = client.post("/console/hotline/classifier/", {"action": "rollback"})
    assert response.status_code == 403
    assert ModelVersion.objects.get(version=2).status == VersionStatus.ACTIVE
    assert not AuditRecord.objects.filter(action="nlp.model_activated").exists()


def test_citizen_is_refused(place) -> None:
    assert login_client("citizen").get("/console/hotline/classifier/").status_code == 403


def test_api_classifies_and_refuses_with_reasons(place) -> None:
    client = login_client(place.dispatcher.username)
    response = client.post(
        "/api/v1/nlp/classify",
        {"texts": ["深夜工地施工噪音太大", "😀😀", "請問社保卡怎麼補辦"]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == 2
    first, emoji, traditional = body["results"]
    assert len(first["heads"]["department"]) == 3
    assert emoji == {"heads": None, "refused": "empty", "reason": emoji["reason"]} and emoji["reason"]
    assert traditional["heads"]["type"][0]["label"] == "consultation"
    versions = client.get("/api/v1/nlp/versions").json()
    assert [v["version"] for v in versions] == [2, 1]
    denied = client.post("/api/v1/nlp/rollback", {"note": ""}, content_type="application/json")
    assert denied.status_code == 403
