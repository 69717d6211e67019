"""Publishing through the staff console: formats, background loads with progress, review, usage."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from openpyxl import Workbook, load_workbook

from pengcheng.core.errors import ValidationFailed
from pengcheng.core.models import Role
from pengcheng.opendata import services, usage
from pengcheng.opendata.models import Dataset, DatasetState, Resource, ResourceVersion, VersionStatus
from pengcheng.opendata.tests.factories import (
    PARKING_HEADERS,
    csv_bytes,
    make_dataset,
    parking_dataset,
    parking_rows,
    upload,
)
from pengcheng.testing import login_client, make_staff

pytestmark = pytest.mark.django_db


def test_formats_xlsx_json_geojson_and_gb18030(demo_city: None) -> None:
    dataset = make_dataset("formats", state="draft")
    book = Workbook()
    sheet = book.active
    sheet.append(["名称", "数量", "日期"])
    sheet.append(["甲", 3, "2024-01-02"])
    sheet.append(["乙", 4.5, "2024-01-03"])
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx = upload(dataset, buffer.getvalue(), "t.xlsx")
    assert xlsx.status == VersionStatus.LOADED
    assert [c["type"] for c in xlsx.columns] == ["text", "numeric", "date"]
    records = json.dumps([{"站点": "福田", "AQI": 40, "详情": {"pm25": 12}}, {"站点": "南山", "AQI": 55}])
    json_version = upload(dataset, records.encode(), "t.json")
    assert json_version.status == VersionStatus.LOADED and json_version.rows_total == 2
    assert [c["id"] for c in json_version.columns] == ["站点", "AQI", "详情"]
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [114.05, 22.54]},
                "properties": {"名称": "莲花山公园"},
            }
        ],
    }
    geo = upload(dataset, json.dumps(geojson).encode(), "t.geojson")
    assert geo.status == VersionStatus.LOADED and [c["id"] for c in geo.columns] == ["名称", "geometry"]
    gb = upload(dataset, "名称,数量\n福田,1\n".encode("gb18030"), "gb.csv")
    assert gb.status == VersionStatus.LOADED and gb.columns[0]["id"] == "名称"
    for content, name in (
        (b'{"type": "Feature"}', "bad.geojson"),
        (b"[1, 2]", "bad.json"),
        (b"PK\x03\x04broken", "bad.xlsx"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            upload(dataset, content, name)
        assert refused.value.field_errors["upload"], name
    assert ResourceVersion.objects.filter(resource__dataset=dataset).count() == 4  # the refused left nothing


@override_settings(PENGCHENG_OPENDATA_INLINE_BYTES=10)
def test_large_upload_loads_in_the_background_with_progress(
    demo_city: None, django_capture_on_commit_callbacks: object
) -> None:
    officer = make_staff(Role.DATA_OFFICER, "440300-JTJ")
    dataset = make_dataset("big", state="draft")
    client = login_client(officer.username)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:  # type: ignore[operator]
        response = client.post(
            f"/console/opendata/dataset/{dataset.pk}/",
            {"file": SimpleUploadedFile("big.csv", csv_bytes(PARKING_HEADERS, parking_rows(25_000))), "name": "大表"},
        )
    assert response.status_code == 302
    version = ResourceVersion.objects.get(resource__dataset=dataset)
    assert version.status == VersionStatus.RECEIVED
    assert len(callbacks) == 1  # the job is queued when the request commits
    progress = client.get(f"/console/opendata/version/{version.pk}/progress/").json()
    assert progress["status"] == "received" and progress["percent"] == 0

    services.process_version(version.pk)  # what the worker runs
    version.refresh_from_db()
    assert version.status == VersionStatus.LOADED and version.rows_loaded == 25_000
    assert client.get(f"/console/opendata/version/{version.pk}/progress/").json()["percent"] == 100


def test_console_flow_create_upload_review_publish(demo_city: None) -> None:
    officer = make_staff(Role.DATA_OFFICER, "440300-MZJ")
    client = login_client(officer.username)
    assert client.get("/console/opendata/").status_code == 200
    response = client.post(
        "/console/opendata/new/",
        {
            "title": "养老机构",
            "name": "elderly-homes",
            "owner_org": "440300-MZJ",
            "license_id": "cc-by",
            "groups": ["social"],
            "tags": "养老, 民政",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    dataset = Dataset.objects.get(name="elderly-homes")
    assert dataset.state == DatasetState.DRAFT and dataset.tag_names == "|养老|民政|"
    # An officer of another department cannot choose this department, nor open the dataset.
    other = login_client(make_staff(Role.DATA_OFFICER, "440300-JTJ").username)
    assert other.get(f"/console/opendata/dataset/{dataset.pk}/").status_code == 404
    content = csv_bytes(
        ["机构", "负责人", "电话"], [["福田长者中心", "王芳", "13800138000"], ["南山长者中心", "李强", "13900139000"]]
    )
    response = client.post(f"/console/opendata/dataset/{dataset.pk}/", {"file": SimpleUploadedFile("a.csv", content)})
    version = ResourceVersion.objects.get(resource__dataset=dataset)
    assert response.status_code == 302 and response["Location"] == f"/console/opendata/version/{version.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "负责人" in page and "电话" in page
    response = client.post(f"/console/opendata/dataset/{dataset.pk}/state/", {"action": "publish"}, follow=True)
    dataset.refresh_from_db()
    assert dataset.state == DatasetState.DRAFT
    findings = {finding["column"]: index for index, finding in enumerate(version.findings)}
    response = client.post(
        f"/console/opendata/version/{version.pk}/",
        {"form": "review", f"action-{findings['负责人']}": "mask", f"action-{findings['电话']}": "drop"},
    )
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == VersionStatus.LOADED and [c["id"] for c in version.columns] == ["机构", "负责人"]
    client.post(f"/console/opendata/dataset/{dataset.pk}/state/", {"action": "publish"})
    dataset.refresh_from_db()
    assert dataset.state == DatasetState.ACTIVE
    resource = Resource.objects.get(dataset=dataset)
    preview = client.get(f"/data/dataset/elderly-homes/resource/{resource.pk}/").content.decode()
    assert "王*" in preview and "王芳" not in preview and "13800138000" not in preview


def test_downloads(demo_city: None) -> None:
    _, version = parking_dataset(rows=12)
    client = login_client("citizen")
    base = f"/data/resource/{version.resource_id}/download/"
    csv_text = b"".join(client.get(base + "csv").streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert csv_text.splitlines()[0] == ",".join(PARKING_HEADERS) and len(csv_text.splitlines()) == 13
    payload = json.loads(b"".join(client.get(base + "json").streaming_content))  # type: ignore[attr-defined]
    assert len(payload["records"]) == 12 and payload["records"][0]["泊位数"] == 50
    book = load_workbook(io.BytesIO(client.get(base + "xlsx").content))
    assert book.active.max_row == 13
    original = client.get(base + "original")
    assert b"".join(original.streaming_content).startswith("名称".encode())  # type: ignore[attr-defined]
    assert client.get(base + "pdf").status_code == 404


def test_usage_page_draws_a_chart(demo_city: None) -> None:
    parking_dataset()
    client = login_client("operator")
    client.get("/api/3/action/package_show", {"id": "parking"})
    usage.flush()
    page = client.get("/console/opendata/usage/").content.decode()
    assert "<svg" in page and 'role="img"' in page and "package_show" in page
    assert login_client("citizen").get("/console/opendata/usage/").status_code == 403


def test_portal_pages(demo_city: None) -> None:
    dataset, version = parking_dataset()
    client = login_client("citizen")
    search = client.get("/data/", {"q": "停车", "res_format": "CSV"}).content.decode()
    assert dataset.title in search
    assert client.get("/data/", {"organization": '"weird'}).status_code == 200
    assert client.get(f"/data/dataset/{dataset.name}/").status_code == 200
    page = client.get(
        f"/data/dataset/{dataset.name}/resource/{version.resource_id}/", {"field": "泊位数", "value": "x"}
    )
    assert page.status_code == 200 and "泊位数" in page.content.decode()
    assert client.get("/data/dataset/nope/").status_code == 404
    draft = make_dataset("hidden", state="draft")
    assert client.get(f"/data/dataset/{draft.name}/").status_code == 404
    assert client.get("/data/developer/").status_code == 200
