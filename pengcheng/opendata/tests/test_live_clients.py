"""Real clients against the live test server: ckanapi's RemoteCKAN, a harvester's paging, and rdflib
parsing every DCAT document."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ckanapi
import pytest
import requests
from rdflib import Graph
from rdflib.namespace import DCAT, RDF

from pengcheng.core.models import Role
from pengcheng.opendata.models import Dataset
from pengcheng.opendata.tests.factories import (
    PARKING_HEADERS,
    csv_bytes,
    key_for,
    make_dataset,
    parking_dataset,
    parking_rows,
)
from pengcheng.testing import make_staff


@pytest.fixture
def portal(live_server: Any, transactional_city: None) -> Any:
    return live_server


def test_ckanapi_remote(portal: Any, tmp_path: Any) -> None:
    dataset, version = parking_dataset()
    officer = make_staff(Role.DATA_OFFICER, "440300-JTJ")
    remote = ckanapi.RemoteCKAN(portal.url, apikey=key_for(officer, write=True), user_agent="pengcheng-tests")

    found = remote.action.package_search(q="停车", rows=5, **{"facet.field": ["organization"]})
    assert found["count"] == 1 and found["results"][0]["id"] == str(dataset.pk)
    assert found["facets"]["organization"] == {"440300-jtj": 1}
    shown = remote.action.package_show(id="parking")
    assert shown["resources"][0]["id"] == str(version.resource_id)
    orgs = remote.action.organization_list(all_fields=True)
    assert any(org["name"] == "440300-jtj" and org["package_count"] == 1 for org in orgs)
    rows = remote.action.datastore_search(resource_id=str(version.resource_id), filters={"所属区": "南山区"}, limit=2)
    assert rows["total"] == 10 and len(rows["records"]) == 2

    created = remote.action.package_create(name="bus-lines", title="公交线路", owner_org="440300-jtj", state="active")
    assert created["name"] == "bus-lines"
    upload = tmp_path / "lines.csv"
    upload.write_bytes(csv_bytes(PARKING_HEADERS, parking_rows(4)))
    with upload.open("rb") as handle:
        resource = remote.action.resource_create(package_id="bus-lines", name="线路", upload=handle)
    assert resource["datastore_active"] is True
    assert remote.action.datastore_search(resource_id=resource["id"])["total"] == 4

    with pytest.raises(ckanapi.NotFound):
        remote.action.package_show(id="nothing-here")
    with pytest.raises(ckanapi.ValidationError):
        remote.action.package_create(name="bus-lines", title="重复", owner_org="440300-jtj")
    with pytest.raises(ckanapi.NotAuthorized):
        remote.action.package_create(name="elsewhere", title="别处", owner_org="440300-scjgj")
    with pytest.raises(ckanapi.SearchQueryError):
        remote.action.package_search(fq="organization:[a TO b]")
    anonymous = ckanapi.RemoteCKAN(portal.url, user_agent="pengcheng-tests")
    with pytest.raises(ckanapi.NotAuthorized):
        anonymous.action.package_create(name="anon", title="匿名", owner_org="440300-jtj")


def test_harvester_paging_returns_every_dataset_once(portal: Any) -> None:
    for number in range(230):
        make_dataset(f"set-{number:03d}", title=f"数据集 {number}")
    Dataset.objects.filter(name__lt="set-100").update(modified_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    since = "2023-01-01T00:00:00Z"
    seen: list[str] = []
    start = 0
    while True:
        response = requests.get(
            f"{portal.url}/api/3/action/package_search",
            params={"rows": "100", "start": str(start), "sort": "id asc", "fq": f"metadata_modified:[{since} TO *]"},
            timeout=30,
        )
        result = response.json()["result"]
        assert result["count"] == 130
        page = [package["id"] for package in result["results"]]
        if not page:
            break
        seen.extend(page)
        start += 100
    assert len(seen) == 130 and len(set(seen)) == 130
    assert seen == sorted(seen)
    expected = {str(pk) for pk in Dataset.objects.filter(name__gte="set-100").values_list("pk", flat=True)}
    assert set(seen) == expected


def test_rdflib_parses_every_dcat_output(portal: Any) -> None:
    dataset, _ = parking_dataset(
        temporal_start="2020-01-01", temporal_end="2024-12-31", spatial="440304", contact_email="a@b.cn"
    )
    for number in range(105):
        make_dataset(f"d-{number:03d}")
    formats = {"jsonld": "json-ld", "ttl": "turtle", "rdf": "xml"}
    for ext, parser in formats.items():
        first = requests.get(f"{portal.url}/catalog.{ext}", timeout=30)
        assert first.status_code == 200
        graph = Graph().parse(data=first.text, format=parser)
        assert len(list(graph.subjects(RDF.type, DCAT.Dataset))) == 100
        assert "hydra" in first.text.lower() and "nextPage" in first.text
        second = Graph().parse(data=requests.get(f"{portal.url}/catalog.{ext}?page=2", timeout=30).text, format=parser)
        assert len(list(second.subjects(RDF.type, DCAT.Dataset))) == 6
        one = requests.get(f"{portal.url}/dataset/{dataset.pk}.{ext}", timeout=30)
        single = Graph().parse(data=one.text, format=parser)
        subjects = list(single.subjects(RDF.type, DCAT.Dataset))
        assert len(subjects) == 1
        assert len(list(single.objects(subjects[0], DCAT.distribution))) == 1
        assert requests.get(f"{portal.url}/dataset/{dataset.name}.{ext}", timeout=30).status_code == 200
    assert requests.get(f"{portal.url}/dataset/no-such.ttl", timeout=30).status_code == 404
