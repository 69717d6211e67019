"""The applications JSON API with a real HTTP client stack (Django's test client) and API keys."""

from django.test import Client

from pengcheng.applications.models import Application, State
from pengcheng.applications.tests.conftest import PDF, pdf, valid_form
from pengcheng.audit.models import AuditRecord
from pengcheng.core.services import create_api_key
from pengcheng.testing import make_staff

BASE = "/api/v1/applications"


def key_client(user, scopes) -> Client:
    raw = create_api_key(user, name="test", scopes=scopes, owner=user).raw
    return Client(HTTP_X_API_KEY=raw)


def test_applicant_journey_over_the_api(item, applicant, handler) -> None:
    api = key_client(applicant, ["applications"])
    created = api.post(f"{BASE}", {"item": item.code}, content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    number = body["number"]
    assert body["state"] == "draft" and body["item_version"] == 1
    assert set(body["missing_materials"]) == {"letter", "id_card"}
    upload = api.post(f"{BASE}/{number}/materials/letter", {"file": pdf()})
    assert upload.status_code == 201 and upload.json()["size"] == len(PDF)
    api.post(f"{BASE}/{number}/materials/id_card", {"file": pdf("id.pdf")})
    saved = api.put(f"{BASE}/{number}/form", {"form_data": {"phone": "19900000001"}}, content_type="application/json")
    assert saved.json()["form_data"] == {"phone": "19900000001"}
    submitted = api.post(
        f"{BASE}/{number}/submit", {"form_data": valid_form(applicant)}, content_type="application/json"
    )
    assert submitted.status_code == 200
    body = submitted.json()
    assert body["state"] == "submitted" and body["handling_department"] == "440300-MZJ"
    assert body["intake_department"] == "440304-ZSJ" and body["days_left"] == 5
    again = api.post(f"{BASE}/{number}/submit", {}, content_type="application/json")
    assert again.status_code == 200 and again.json()["submitted_at"] == body["submitted_at"]

    clerk = key_client(handler, ["applications.clerk"])
    assert (
        clerk.post(f"{BASE}/{number}/accept", {"note": "ok"}, content_type="application/json").json()["state"]
        == "accepted"
    )
    assert clerk.post(f"{BASE}/{number}/review").json()["assignee"] == handler.username
    assert (
        clerk.post(f"{BASE}/{number}/approve", {"note": "准予"}, content_type="application/json").json()["state"]
        == "approved"
    )
    status = api.get(f"{BASE}/{number}").json()
    assert status["state"] == "approved" and status["result"] == "准予"
    events = api.get(f"{BASE}/{number}/events").json()
    assert [e["action"] for e in events] == ["create", "submit", "accept", "review", "approve"]
    mine = api.get(f"{BASE}").json()
    assert mine["total"] == 1 and mine["items"][0]["number"] == number


def test_form_errors_are_422_with_per_field_details(draft, applicant) -> None:
    api = key_client(applicant, ["applications"])
    response = api.post(
        f"{BASE}/{draft.number}/submit",
        {"form_data": {"phone": "123", "declaration": False}},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    fields = {d["field"]: d["message"] for d in error["details"]}
    assert fields["phone"] == "Enter an 11-digit mobile number."
    assert fields["declaration"] == "You must confirm this."


def test_bad_uploads_are_refused_with_a_reason(draft, applicant) -> None:
    api = key_client(applicant, ["applications"])
    url = f"{BASE}/{draft.number}/materials/letter"
    wrong = api.post(url, {"file": pdf("notes.txt", b"hello")}, HTTP_ACCEPT_LANGUAGE="en")
    assert wrong.status_code == 422
    assert wrong.json()["error"]["details"] == [
        {"field": "letter", "message": "Files of type “txt” are not accepted here; use PDF, JPG, JPEG, PNG."}
    ]
    assert api.post(url, {"file": pdf("empty.pdf", b"")}).status_code == 422
    assert api.post(f"{BASE}/{draft.number}/materials/nope", {"file": pdf()}).status_code == 404


def test_illegal_transitions_are_409_and_outsiders_403(submitted, applicant) -> None:
    api = key_client(applicant, ["applications"])
    assert (
        api.post(f"{BASE}/{submitted.number}/withdraw", {}, content_type="application/json").json()["state"]
        == "withdrawn"
    )
    conflict = api.post(f"{BASE}/{submitted.number}/withdraw", {}, content_type="application/json")
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "illegal_transition"

    outsider = make_staff("clerk", "440300-GAJ")
    response = key_client(outsider, ["applications.clerk"]).post(f"{BASE}/{submitted.number}/review")
    assert response.status_code == 403
    assert AuditRecord.objects.filter(action="permission.denied", actor_id=outsider.pk).exists()


def test_api_key_scopes_are_enforced(submitted, applicant, handler) -> None:
    assert key_client(applicant, ["catalog"]).get(f"{BASE}").status_code == 403
    assert key_client(handler, ["applications"]).get(f"{BASE}/queue").status_code == 403
    assert Client().get(f"{BASE}").status_code == 401
    stranger = key_client(make_staff("clerk", "440305-ZSJ"), ["applications"])
    assert stranger.get(f"{BASE}/{submitted.number}").status_code == 403


def test_queue_and_batch_over_the_api(submitted, handler) -> None:
    clerk = key_client(handler, ["applications.clerk"])
    queue = clerk.get(f"{BASE}/queue", {"sort": "deadline"}).json()
    assert [a["number"] for a in queue["items"]] == [submitted.number]
    outcome = clerk.post(
        f"{BASE}/batch", {"numbers": [submitted.number], "action": "accept"}, content_type="application/json"
    ).json()
    assert outcome == [{"number": submitted.number, "ok": True, "message": ""}]
    assert Application.objects.get(pk=submitted.pk).state == State.ACCEPTED
    bad = clerk.post(f"{BASE}/batch", {"numbers": [], "action": "accept"}, content_type="application/json")
    assert bad.status_code == 422


def test_session_users_use_the_api_too(client_for, submitted) -> None:
    response = client_for("operator").get(f"{BASE}/{submitted.number}")
    assert response.status_code == 200 and response.json()["state"] == "submitted"
