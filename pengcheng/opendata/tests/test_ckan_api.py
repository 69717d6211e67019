"""The CKAN Action API through the Django test client: envelope, parameters and every error type."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from pengcheng.core.errors import ValidationFailed
from pengcheng.core.models import Role
from pengcheng.opendata import usage
from pengcheng.opendata.models import KeyQuota, Resource, UsageCount, VersionStatus
from pengcheng.opendata.tests.factories import (
    PARKING_HEADERS,
    csv_bytes,
    key_for,
    parking_dataset,
    parking_rows,
    upload,
)
from pengcheng.testing import make_citizen, make_staff

pytestmark = pytest.mark.django_db


def call(client: Client, action: str, key: Any = None, method: str = "post", **data: Any) -> tuple[int, dict[str, Any]]:
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": key} if key else {}
    if method == "get":
        response = client.get(f"/api/3/action/{action}", data, **headers)
    else:
        response = client.post(f"/api/3/action/{action}", json.dumps(data), content_type="application/json", **headers)
    return response.status_code, response.json()


def test_envelope_and_status_show(demo_city: None) -> None:
    status, body = call(Client(), "status_show", method="get")
    assert status == 200
    assert body["success"] is True
    assert body["help"].endswith("/api/3/action/help_show?name=status_show")
    assert body["result"]["ckan_version"].startswith("2.")
    # The unversioned path answers too.
    assert Client().get("/api/action/status_show").json()["success"] is True


def test_package_show_and_search(demo_city: None) -> None:
    dataset, version = parking_dataset()
    assert version.status == VersionStatus.LOADED
    client = Client()
    status, body = call(client, "package_show", id=dataset.name)
    assert status == 200
    package = body["result"]
    assert package["id"] == str(dataset.pk)
    assert package["organization"]["name"] == "440300-jtj"
    assert [tag["name"] for tag in package["tags"]] == ["交通", "停车"]
    assert package["groups"][0]["name"] == "transport"
    resource = package["resources"][0]
    assert resource["datastore_active"] is True and resource["format"] == "CSV"
    assert call(client, "package_show", id=str(dataset.pk))[1]["result"]["name"] == "parking"

    facets: dict[str, Any] = {"facet.field": ["organization", "tags", "res_format"]}
    status, body = call(
        client,
        "package_search",
        q="停车",
        fq="organization:440300-jtj +res_format:CSV",
        **facets,
    )
    assert status == 200
    result = body["result"]
    assert result["count"] == 1 and result["results"][0]["name"] == "parking"
    assert result["facets"]["res_format"] == {"CSV": 1}
    assert result["search_facets"]["organization"]["items"][0]["count"] == 1
    # GET with a JSON-encoded facet.field, as CKAN clients send it.
    status, body = call(client, "package_search", method="get", q="停车", **{"facet.field": '["tags"]'})
    assert body["result"]["facets"]["tags"] == {"交通": 1, "停车": 1}
    assert call(client, "package_search", fq="-tags:停车")[1]["result"]["count"] == 0
    assert call(client, "package_search", fq="tags:(停车 OR 水质)")[1]["result"]["count"] == 1
    assert call(client, "package_list")[1]["result"] == ["parking"]


def test_organizations_groups_tags(demo_city: None) -> None:
    parking_dataset()
    client = Client()
    names = call(client, "organization_list")[1]["result"]
    assert "440300-jtj" in names
    full = call(client, "organization_list", all_fields=True, sort="package_count desc")[1]["result"]
    assert full[0]["name"] == "440300-jtj" and full[0]["package_count"] == 1
    org = call(client, "organization_show", id="440300-jtj", include_datasets=True)[1]["result"]
    assert org["package_count"] == 1 and org["packages"][0]["name"] == "parking"
    assert call(client, "organization_show", id=org["id"])[1]["result"]["name"] == "440300-jtj"
    assert "transport" in call(client, "group_list")[1]["result"]
    assert call(client, "group_show", id="transport")[1]["result"]["package_count"] == 1
    assert call(client, "tag_list")[1]["result"] == ["交通", "停车"]


def test_datastore_search(demo_city: None) -> None:
    _dataset, version = parking_dataset(rows=30)
    resource_id = str(version.resource_id)
    client = Client()
    status, body = call(
        client, "datastore_search", resource_id=resource_id, filters={"所属区": "福田区"}, sort="泊位数 desc", limit=3
    )
    assert status == 200
    result = body["result"]
    assert result["total"] == 10
    assert [field["id"] for field in result["fields"]] == ["_id", *PARKING_HEADERS]
    assert [field["type"] for field in result["fields"]] == ["int", "text", "text", "int", "numeric", "date"]
    assert [record["泊位数"] for record in result["records"]] == [77, 74, 71]
    assert result["_links"]["next"].endswith("offset=3")
    status, body = call(
        client,
        "datastore_search",
        resource_id=resource_id,
        q="停车场1",
        fields="名称,泊位数",
        records_format="lists",
        include_total=False,
    )
    assert body["result"]["records"][0] == ["停车场1", 51]
    assert "total" not in body["result"]
    status, body = call(
        client,
        "datastore_search",
        method="get",
        resource_id=resource_id,
        filters='{"泊位数": [50, 51]}',
        records_format="csv",
    )
    assert body["result"]["records"].splitlines() == [
        "1,停车场0,福田区,50,2.5,2020-01-01",
        "2,停车场1,南山区,51,3.5,2020-01-02",
    ]
    status, body = call(client, "datastore_search", resource_id=resource_id, filters={"开放日期": "2020-01-05"})
    assert body["result"]["total"] == 1
    status, body = call(client, "datastore_search", resource_id=resource_id, offset=28)
    assert len(body["result"]["records"]) == 2 and body["result"]["offset"] == 28


@pytest.mark.parametrize(
    ("action", "data", "status", "error_type"),
    [
        ("no_such_action", {}, 400, "Bad Request"),
        ("package_search", {"fq": "organization:"}, 400, "Search Query Error"),
        ("package_search", {"fq": "nosuchfield:x"}, 400, "Search Query Error"),
        ("package_search", {"fq": "metadata_modified:[yesterday TO *]"}, 400, "Search Query Error"),
        ("package_search", {"sort": "bogus desc"}, 400, "Search Query Error"),
        ("package_search", {"rows": 1001}, 409, "Validation Error"),
        ("package_search", {"rows": "many"}, 409, "Validation Error"),
        ("package_search", {"start": -1}, 409, "Validation Error"),
        ("package_show", {"id": "no-such-dataset"}, 404, "Not Found Error"),
        ("package_show", {}, 409, "Validation Error"),
        ("resource_show", {"id": "00000000-0000-0000-0000-000000000000"}, 404, "Not Found Error"),
        ("datastore_search", {"resource_id": "00000000-0000-0000-0000-000000000000"}, 404, "Not Found Error"),
        ("datastore_search", {"resource_id": "not-a-uuid"}, 404, "Not Found Error"),
        ("datastore_search", {}, 409, "Validation Error"),
        ("organization_show", {"id": "nope"}, 404, "Not Found Error"),
        ("group_show", {"id": "nope"}, 404, "Not Found Error"),
        ("package_create", {"name": "x"}, 403, "Authorization Error"),
    ],
)
def test_bad_input_gets_ckan_errors(
    demo_city: None, action: str, data: dict[str, Any], status: int, error_type: str
) -> None:
    got_status, body = call(Client(), action, **data)
    assert got_status == status, body
    assert body["success"] is False
    assert body["error"]["__type"] == error_type


def test_datastore_bad_parameters(demo_city: None) -> None:
    _, version = parking_dataset()
    client = Client()
    resource_id = str(version.resource_id)
    for data in (
        {"filters": {"nosuch": 1}},
        {"filters": {"泊位数": "many"}},
        {"filters": "[1]"},
        {"sort": "名称 sideways"},
        {"fields": ["nosuch"]},
        {"limit": 32001},
        {"records_format": "xml"},
    ):
        status, body = call(client, "datastore_search", resource_id=resource_id, **data)
        assert (status, body["error"]["__type"]) == (409, "Validation Error"), data


def test_malformed_request_bodies(demo_city: None) -> None:
    client = Client()
    response = client.post("/api/3/action/package_search", "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["__type"] == "Bad Request"
    response = client.post("/api/3/action/package_search", "[1, 2]", content_type="application/json")
    assert response.status_code == 400


def test_keys_wrong_and_over_quota(demo_city: None) -> None:
    parking_dataset()
    user = make_citizen()
    key = key_for(user)
    from pengcheng.core.models import ApiKey

    api_key = ApiKey.objects.get(owner=user)
    KeyQuota.objects.create(api_key=api_key, daily_limit=3)
    client = Client()
    assert call(client, "package_list", key="pck_wrong")[0] == 403
    assert call(client, "package_list", key="pck_wrong")[1]["error"]["__type"] == "Authorization Error"
    status, _ = call(client, "package_list", key=f"Bearer {key}")
    assert status == 200
    statuses = [call(client, "package_show", key=key, id="parking")[0] for _ in range(4)]
    assert statuses == [200, 200, 403, 403]  # the package_list call counts towards the quota too
    response = client.get("/api/3/action/status_show", HTTP_AUTHORIZATION=key)
    assert response.status_code == 403 and response["Retry-After"]
    usage.flush()
    counted = {row.action: row.calls for row in UsageCount.objects.filter(api_key_id=api_key.pk)}
    assert counted == {"package_list": 1, "package_show": 2}


def test_usage_is_counted_per_key_dataset_action_in_batches(demo_city: None) -> None:
    dataset, version = parking_dataset()
    usage.flush()
    UsageCount.objects.all().delete()
    client = Client()
    for _ in range(5):
        call(client, "package_show", id="parking")
    call(client, "datastore_search", resource_id=str(version.resource_id))
    assert not UsageCount.objects.exists()  # nothing written per request
    assert usage.flush() == 6
    rows = {(row.api_key_id, row.dataset_id, row.action): row.calls for row in UsageCount.objects.all()}
    assert rows == {(0, str(dataset.pk), "package_show"): 5, (0, str(dataset.pk), "datastore_search"): 1}
    call(client, "package_show", id="parking")
    usage.flush()
    assert UsageCount.objects.get(action="package_show").calls == 6


def test_writes_with_key(demo_city: None) -> None:
    officer = make_staff(Role.DATA_OFFICER, "440300-JTJ")
    key = key_for(officer, write=True)
    read_only = key_for(officer)
    client = Client()
    status, body = call(
        client, "package_create", key=read_only, name="new-set", title="新数据集", owner_org="440300-jtj"
    )
    assert (status, body["error"]["__type"]) == (403, "Authorization Error")
    status, body = call(client, "package_create", key=key, name="new-set", title="新数据集", owner_org="440300-SCJGJ")
    assert (status, body["error"]["__type"]) == (403, "Authorization Error")
    status, body = call(client, "package_create", key=key, name="Bad Name!", owner_org="440300-jtj")
    assert (status, body["error"]["__type"]) == (409, "Validation Error")
    assert "name" in body["error"] and "title" in body["error"]
    status, body = call(
        client,
        "package_create",
        key=key,
        name="new-set",
        title="新数据集",
        owner_org="440300-jtj",
        tags=[{"name": "公交"}],
        groups=[{"name": "transport"}],
        extras=[{"key": "frequency", "value": "DAILY"}],
    )
    assert status == 200, body
    assert body["result"]["state"] == "draft" and body["result"]["frequency"] == "DAILY"
    status, body = call(client, "package_patch", key=key, id="new-set", notes="说明", state="active")
    assert status == 200, body
    assert body["result"]["notes"] == "说明" and body["result"]["state"] == "active"
    status, body = call(client, "package_update", key=key, id="new-set", title="改名", owner_org="440300-jtj")
    assert status == 200 and body["result"]["title"] == "改名" and body["result"]["notes"] == ""
    response = client.post(
        "/api/3/action/resource_create",
        {
            "package_id": "new-set",
            "name": "表",
            "upload": SimpleUploadedFile("t.csv", csv_bytes(PARKING_HEADERS, parking_rows(5))),
        },
        HTTP_AUTHORIZATION=key,
    )
    assert response.status_code == 200, response.content
    assert response.json()["result"]["datastore_active"] is True
    response = client.post(
        "/api/3/action/resource_create",
        {"package_id": "new-set", "upload": SimpleUploadedFile("t.csv", b"a,b\n1,2,3,4\n")},
        HTTP_AUTHORIZATION=key,
    )
    body = response.json()
    assert (response.status_code, body["error"]["__type"]) == (409, "Validation Error")
    assert "row 2" in body["error"]["upload"][0]
    assert call(client, "package_show", id="new-set")[1]["result"]["num_resources"] == 1  # nothing half-written
    response = client.post(
        "/api/3/action/resource_create",
        {"package_id": "new-set", "upload": SimpleUploadedFile("t.pdf", b"%PDF-1.4")},
        HTTP_AUTHORIZATION=key,
    )
    assert (response.status_code, response.json()["error"]["__type"]) == (409, "Validation Error")
    status, body = call(client, "package_delete", key=key, id="new-set")
    assert status == 200 and body["result"] is None
    assert call(client, "package_show", id="new-set")[0] == 404


def test_private_and_draft_datasets(demo_city: None) -> None:
    parking_dataset("secret", private=True)
    parking_dataset("draft-one", state="draft")
    officer = make_staff(Role.DATA_OFFICER, "440300-JTJ")
    outsider = make_staff(Role.DATA_OFFICER, "440300-SCJGJ")
    client = Client()
    assert call(client, "package_search")[1]["result"]["count"] == 0
    assert call(client, "package_show", id="secret")[0] == 403
    assert call(client, "package_show", id="secret", key=key_for(outsider))[0] == 403
    own = key_for(officer)
    assert call(client, "package_show", id="secret", key=own)[0] == 200
    assert call(client, "package_search", key=own, include_private=True)[1]["result"]["count"] == 1
    assert call(client, "package_search", key=own, include_private=True, include_drafts=True)[1]["result"]["count"] == 2
    assert call(client, "package_search", key=key_for(outsider), include_private=True)[1]["result"]["count"] == 0


def test_failed_load_keeps_serving_previous_version(demo_city: None) -> None:
    dataset, first = parking_dataset(rows=10)
    resource = Resource.objects.get(pk=first.resource_id)
    bad_rows = [*parking_rows(10), ["坏行", "福田区", "不是数字", "1", "2020-01-01"]]
    # Types come from a sample; force a type conflict by declaring 泊位数 an int in a second upload.
    second = upload(dataset, csv_bytes(PARKING_HEADERS, parking_rows(12)), resource=resource)
    assert second.status == VersionStatus.LOADED
    from pengcheng.core.actors import SYSTEM
    from pengcheng.opendata import services

    third = upload(dataset, csv_bytes(PARKING_HEADERS, bad_rows), resource=resource)
    assert third.status == VersionStatus.LOADED  # 泊位数 inferred as text: nothing lost
    with pytest.raises(ValidationFailed) as caught:
        services.set_column_types(SYSTEM, third, {"泊位数": "int"})
    assert "不是数字" in str(caught.value.field_errors)
    resource.refresh_from_db()
    assert resource.current_version_id == third.pk
    with pytest.raises(ValidationFailed):
        upload(dataset, b"\xff\xfe\x00garbage\x00\x00", resource=resource, fmt="XLSX")
    # A large upload loads in the background; when that load fails, the version records why and the
    # resource goes on serving the previous version.
    with override_settings(PENGCHENG_OPENDATA_INLINE_BYTES=10):
        broken = upload(dataset, csv_bytes(["a"], [["1"]]) + b"\n2,3,4\n", resource=resource)
    assert broken.status == VersionStatus.RECEIVED
    services.process_version(broken.pk)
    broken.refresh_from_db()
    assert broken.status == VersionStatus.FAILED and broken.error == "row 4: 3 values for 1 columns"
    resource.refresh_from_db()
    assert resource.current_version_id == third.pk
    _status, body = call(Client(), "datastore_search", resource_id=str(resource.pk))
    assert body["result"]["total"] == 11


def test_hand_written_headers_match_the_orm(demo_city: None) -> None:
    """The read path's raw queries must give exactly the ORM's values: the package cache is keyed by them."""
    from pengcheng.opendata import selectors

    dataset, version = parking_dataset()
    dataset.refresh_from_db()
    for key in (dataset.name, str(dataset.pk), dataset.pk.hex):
        header = selectors.dataset_header(key)
        assert header is not None
        assert (header.pk, header.name, header.state, header.private, header.organization_id, header.modified_at) == (
            dataset.pk,
            dataset.name,
            dataset.state,
            dataset.private,
            dataset.organization_id,
            dataset.modified_at,
        )
    assert selectors.dataset_header("no-such") is None
    table = selectors.table_header(str(version.resource_id))
    version.refresh_from_db()
    assert table is not None and table.dataset == selectors.dataset_header(dataset.name)
    assert (table.table_name, table.columns, table.rows_total) == (
        version.table_name,
        version.columns,
        version.rows_total,
    )
    assert selectors.table_header("nope") is None


def test_cached_searches_follow_every_change(demo_city: None) -> None:
    from pengcheng.core.actors import SYSTEM
    from pengcheng.opendata import services

    client = Client()
    dataset, _ = parking_dataset()
    assert call(client, "package_search", q="停车")[1]["result"]["count"] == 1
    parking_dataset("parking-two")
    assert call(client, "package_search", q="停车")[1]["result"]["count"] == 2
    services.update_dataset(SYSTEM, dataset, {"private": True})
    assert call(client, "package_search", q="停车")[1]["result"]["count"] == 1
    services.delete_dataset(SYSTEM, services.get_dataset("parking-two"))
    assert call(client, "package_search", q="停车")[1]["result"]["count"] == 0
