"""Open311 GeoReport v2 conformance: every endpoint driven over HTTP with a plain client (requests)
and with a GeoReport client library (georeport), each response checked against the field lists of
the specification (wiki.open311.org/GeoReport_v2), in JSON and in XML."""

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import requests
from django.core.management import call_command
from georeport import GeoReport

from pengcheng.hotline.models import Category, ServiceType, Ticket

pytestmark = pytest.mark.django_db(transaction=True)

JURISDICTION = "sz.gov.cn"
SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
DEFINITION_FIELDS = ["service_code", "attributes"]
ATTRIBUTE_FIELDS = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]
VALUE_FIELDS = ["key", "name"]
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
POST_FIELDS = ["service_request_id", "service_notice", "account_id"]
TOKEN_POST_FIELDS = ["token", "service_notice", "account_id"]
TOKEN_FIELDS = ["service_request_id", "token"]
ERROR_FIELDS = ["code", "description"]
DISCOVERY_FIELDS = ["changeset", "contact", "key_service", "endpoints"]
ENDPOINT_FIELDS = ["specification", "url", "changeset", "type", "formats"]
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")
STREETLIGHT = "0102004"  # 城乡建设 / 城市建设和市政管理 / 城市公共设施
NOISE = "环境保护 / 环境污染 / 噪音污染"
FUTIAN_CIVIC_CENTRE = ("22.5410", "114.0537")  # WGS84, in Futian


@pytest.fixture
def base(live_server: Any, transactional_city: None) -> str:
    return live_server.url + "/open311/v2"


@pytest.fixture
def api_key(transactional_city: None) -> str:
    out = io.StringIO()
    call_command("create_api_key", "--name", "conformance client", "--scopes", "open311", stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def get(url: str, **params: Any) -> requests.Response:
    return requests.get(url, params=params, timeout=20)


def post(base: str, fmt: str, data: dict[str, Any] | list[tuple[str, str]]) -> requests.Response:
    return requests.post(f"{base}/requests.{fmt}", data=data, timeout=20)


def xml_items(response: requests.Response, root: str, item: str) -> list[ET.Element]:
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    element = ET.fromstring(response.content)
    assert element.tag == root
    assert all(child.tag == item for child in element)
    return list(element)


def json_body(response: requests.Response) -> Any:
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


def tags(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def assert_request(record: dict[str, Any]) -> None:
    assert list(record) == REQUEST_FIELDS
    assert record["status"] in ("open", "closed")
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert record[name] is None or W3C.match(record[name]), (name, record[name])


def assert_errors(response: requests.Response, status: int, fmt: str = "json") -> str:
    assert response.status_code == status, response.text
    if fmt == "json":
        errors = json_body(response)
        assert isinstance(errors, list) and errors
        for error in errors:
            assert list(error) == ERROR_FIELDS
        return " ".join(str(e["description"]) for e in errors)
    items = xml_items(response, "errors", "error")
    for item in items:
        assert tags(item) == ERROR_FIELDS
    return " ".join(item.findtext("description") or "" for item in items)


def test_discovery_services_and_definitions(base: str) -> None:
    for fmt in ("json", "xml"):
        response = get(f"{base}/discovery.{fmt}")
        assert response.status_code == 200
        if fmt == "json":
            discovery = json_body(response)
            assert list(discovery) == DISCOVERY_FIELDS
            endpoint = discovery["endpoints"][0]
            assert list(endpoint) == ENDPOINT_FIELDS
            assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
            assert endpoint["url"] == base
            assert set(endpoint["formats"]) == {"text/xml", "application/json"}
        else:
            root = ET.fromstring(response.content)
            assert root.tag == "discovery" and tags(root) == DISCOVERY_FIELDS
            endpoint = root.find("endpoints/endpoint")
            assert endpoint is not None and tags(endpoint) == ENDPOINT_FIELDS
            assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]

    services = json_body(get(f"{base}/services.json", jurisdiction_id=JURISDICTION))
    leaves = Category.objects.filter(level=3).count()
    assert len(services) == leaves == 517
    for service in services:
        assert list(service) == SERVICE_FIELDS
        assert service["metadata"] is True and service["type"] in ("realtime", "batch", "blackbox")
    light = next(s for s in services if s["service_code"] == STREETLIGHT)
    assert light["service_name"] == "城市公共设施" and light["group"] == "城乡建设"
    xml_services = xml_items(get(f"{base}/services.xml"), "services", "service")
    assert len(xml_services) == leaves
    assert all(tags(s) == SERVICE_FIELDS for s in xml_services)
    assert xml_services[0].findtext("metadata") == "true"

    definition = json_body(get(f"{base}/services/{STREETLIGHT}.json"))
    assert list(definition) == DEFINITION_FIELDS and definition["service_code"] == STREETLIGHT
    codes = [a["code"] for a in definition["attributes"]]
    assert codes == ["request_type", "facility", "facility_number"]
    for attribute in definition["attributes"]:
        assert list(attribute) == ATTRIBUTE_FIELDS
        assert attribute["datatype"] in ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
        for value in attribute["values"]:
            assert list(value) == VALUE_FIELDS
    assert [a["order"] for a in definition["attributes"]] == [1, 2, 3]
    root = ET.fromstring(get(f"{base}/services/{STREETLIGHT}.xml").content)
    assert root.tag == "service_definition" and tags(root) == DEFINITION_FIELDS
    for attribute in root.findall("attributes/attribute"):
        assert tags(attribute) == ATTRIBUTE_FIELDS
        assert all(tags(v) == VALUE_FIELDS for v in attribute.findall("values/value"))

    # The GeoReport client library reads the same resources in both formats.
    for fmt in ("json", "xml"):
        client = GeoReport(base, jurisdiction=JURISDICTION, output_format=fmt)
        listed = client.get_service_list()
        assert len(listed) == leaves
        assert client.get_service_definition(STREETLIGHT)["service_code"] == STREETLIGHT


def test_post_and_get_requests_in_both_formats(base: str, api_key: str) -> None:
    common = {"api_key": api_key, "jurisdiction_id": JURISDICTION, "service_code": STREETLIGHT}
    created = post(
        base,
        "json",
        {
            **common,
            "lat": FUTIAN_CIVIC_CENTRE[0],
            "long": FUTIAN_CIVIC_CENTRE[1],
            "description": "福中三路路灯不亮",
            "first_name": "小明",
            "last_name": "陈",
            "phone": "19900003001",
            "email": "chen@example.com",
            "device_id": "device-1",
            "account_id": "acc-1",
            "attribute[facility]": "streetlight",
            "attribute[facility_number]": "FT-0091",
            "media_url": "https://example.com/p.jpg",
        },
    )
    assert created.status_code == 200, created.text
    [answer] = json_body(created)
    assert list(answer) == POST_FIELDS and answer["account_id"] == "acc-1" and answer["service_notice"]
    number = answer["service_request_id"]
    ticket = Ticket.objects.get(pk=int(number[6:]))
    assert ticket.district_code == "440304"  # point-in-polygon after WGS84 → GCJ-02
    assert ticket.attributes == {"facility": "streetlight", "facility_number": "FT-0091"}
    assert ticket.caller is not None and ticket.caller.name == "陈小明"

    by_address = post(
        base,
        "xml",
        {**common, "address_string": "深圳市福田区园岭街道红荔社区百花二路", "description": "井盖松动"},
    )
    [request_item] = xml_items(by_address, "service_requests", "request")
    assert tags(request_item) == POST_FIELDS
    second = request_item.findtext("service_request_id") or ""

    for fmt in ("json", "xml"):
        url = f"{base}/requests/{number}.{fmt}"
        response = get(url, jurisdiction_id=JURISDICTION)
        assert response.status_code == 200
        if fmt == "json":
            [record] = json_body(response)
            assert_request(record)
            assert record["service_code"] == STREETLIGHT and record["status"] == "open"
            assert record["agency_responsible"] == "深圳市福田区人民政府"  # routing: this category in Futian
            assert record["expected_datetime"] and float(record["lat"]) == pytest.approx(22.541)
            assert record["media_url"] == "https://example.com/p.jpg"
        else:
            [item] = xml_items(response, "service_requests", "request")
            assert tags(item) == REQUEST_FIELDS
            assert item.findtext("zipcode") == ""
    [record] = json_body(get(f"{base}/requests/{second}.json"))
    assert record["address_id"] == "440304002016"  # 红荔社区, found by the gazetteer
    assert record["address"] == "深圳市福田区园岭街道红荔社区百花二路"

    listed = json_body(get(f"{base}/requests.json"))
    assert {r["service_request_id"] for r in listed} == {number, second}
    for record in listed:
        assert_request(record)
    assert [
        r["service_request_id"]
        for r in json_body(get(f"{base}/requests.json", service_request_id=f"{second},{number}"))
    ] == [second, number]
    assert json_body(get(f"{base}/requests.json", service_code="0101001")) == []
    assert len(json_body(get(f"{base}/requests.json", service_code=f"0101001,{STREETLIGHT}", status="open"))) == 2
    assert json_body(get(f"{base}/requests.json", status="closed")) == []
    today = dt.date.today()
    assert len(json_body(get(f"{base}/requests.json", start_date=f"{today - dt.timedelta(days=2)}T00:00:00Z"))) == 2
    assert json_body(get(f"{base}/requests.json", end_date="2020-01-01T00:00:00Z")) == []
    xml_list = xml_items(get(f"{base}/requests.xml", status="open"), "service_requests", "request")
    assert all(tags(item) == REQUEST_FIELDS for item in xml_list) and len(xml_list) == 2

    for fmt in ("json", "xml"):
        client = GeoReport(base, jurisdiction=JURISDICTION, output_format=fmt)
        assert client.get_service_request(number)["service_request_id"] == number
        found = client.get_service_requests(service_request_id=number)
        record = found[0] if isinstance(found, list) else found
        assert record["service_request_id"] == number


def test_batch_services_answer_with_a_token(base: str, api_key: str) -> None:
    from pengcheng.hotline.models import Open311Submission
    from pengcheng.hotline.open311 import process_submission

    Category.objects.filter(code=STREETLIGHT).update(service_type=ServiceType.BATCH)
    services = json_body(get(f"{base}/services.json"))
    assert next(s for s in services if s["service_code"] == STREETLIGHT)["type"] == "batch"
    response = post(
        base,
        "json",
        {
            "api_key": api_key,
            "service_code": STREETLIGHT,
            "address_string": "南山区粤海街道",
            "description": "路灯坏了",
        },
    )
    [answer] = json_body(response)
    assert list(answer) == TOKEN_POST_FIELDS
    token = answer["token"]
    [pending] = json_body(get(f"{base}/tokens/{token}.json"))
    assert list(pending) == TOKEN_FIELDS and pending == {"service_request_id": None, "token": token}
    ticket = process_submission(Open311Submission.objects.get(token=token))
    assert ticket is not None
    for fmt in ("json", "xml"):
        response = get(f"{base}/tokens/{token}.{fmt}")
        if fmt == "json":
            assert json_body(response) == [{"service_request_id": ticket.number, "token": token}]
        else:
            [item] = xml_items(response, "service_requests", "request")
            assert tags(item) == TOKEN_FIELDS and item.findtext("service_request_id") == ticket.number
    assert_errors(get(f"{base}/tokens/no-such-token.json"), 404)


def test_errors_have_the_spec_codes(base: str, api_key: str) -> None:
    valid = {"api_key": api_key, "service_code": STREETLIGHT, "address_string": "福田区", "description": "问题"}
    assert "api_key" in assert_errors(post(base, "json", {k: v for k, v in valid.items() if k != "api_key"}), 403)
    assert "api_key" in assert_errors(post(base, "xml", {**valid, "api_key": "pck_wrong"}), 403, "xml")
    out = io.StringIO()
    call_command("create_api_key", "--name", "reader", "--scopes", "opendata", stdout=out)
    assert "open311" in assert_errors(post(base, "json", {**valid, "api_key": out.getvalue().split()[-1]}), 403)
    assert_errors(post(base, "json", {**valid, "service_code": "9999999"}), 404)
    assert_errors(post(base, "json", {k: v for k, v in valid.items() if k != "service_code"}), 400)
    assert "location" in assert_errors(
        post(base, "json", {k: v for k, v in valid.items() if k != "address_string"}), 400
    )
    assert "4000" in assert_errors(post(base, "json", {**valid, "description": "长" * 4001}), 400)
    assert "decimal" in assert_errors(post(base, "json", {**valid, "lat": "north", "long": "114.05"}), 400)
    assert_errors(post(base, "json", {**valid, "lat": "22.5"}), 400)  # long missing
    assert "outside" in assert_errors(post(base, "json", {**valid, "lat": "39.9", "long": "116.4"}), 400)
    assert_errors(post(base, "json", {**valid, "jurisdiction_id": "beijing.gov.cn"}), 404)
    noise = Category.objects.get(path_name=NOISE).code
    assert "noise_period" in assert_errors(post(base, "json", {**valid, "service_code": noise}), 400)
    assert_errors(post(base, "json", {**valid, "service_code": noise, "attribute[noise_period]": "noon"}), 400)
    assert_errors(post(base, "json", {**valid, "attribute[request_type]": "rant"}), 400)
    assert_errors(get(f"{base}/services/9999999.json"), 404)
    assert_errors(get(f"{base}/services/9999999.xml"), 404, "xml")
    assert_errors(get(f"{base}/requests/2611270000000.json"), 404)
    assert_errors(get(f"{base}/requests.json", start_date="2024-01-01T00:00:00Z", end_date="2024-06-01T00:00:00Z"), 400)
    assert_errors(get(f"{base}/requests.json", start_date="2024-06-01T00:00:00Z", end_date="2024-01-01T00:00:00Z"), 400)
    assert_errors(get(f"{base}/requests.xml", start_date="yesterday"), 400, "xml")
    assert_errors(get(f"{base}/requests.json", status="pending"), 400)
    assert_errors(get(f"{base}/services.json", jurisdiction_id="beijing.gov.cn"), 404)
    assert_errors(requests.post(f"{base}/services.json", timeout=20), 400)
    assert_errors(get(f"{base}/nothing.json"), 404)
    assert Ticket.objects.count() == 0  # nothing half-written

    # With everything right, the attribute lists are accepted (multivaluelist as attribute[code][]).
    response = post(
        base,
        "json",
        [
            *valid.items(),
            ("service_code", noise),
            ("attribute[noise_period]", "night"),
            ("attribute[noise_source][]", "construction"),
            ("attribute[noise_source][]", "traffic"),
            ("attribute[request_type]", "complaint"),
        ],
    )
    assert response.status_code == 200, response.text
    ticket = Ticket.objects.get()
    assert ticket.attributes == {"noise_period": "night", "noise_source": ["construction", "traffic"]}
    assert ticket.request_type == "complaint"


def test_a_repeated_post_from_one_device_within_a_minute_makes_one_ticket(base: str, api_key: str) -> None:
    form = {
        "api_key": api_key,
        "service_code": STREETLIGHT,
        "address_string": "罗湖区东门街道",
        "description": "路灯闪烁",
        "device_id": "phone-42",
    }
    first = json_body(post(base, "json", form))[0]["service_request_id"]
    again = json_body(post(base, "json", form))[0]["service_request_id"]
    assert again == first and Ticket.objects.count() == 1
    changed = json_body(post(base, "json", {**form, "description": "另一盏路灯也坏了"}))[0]["service_request_id"]
    assert changed != first
    other_device = json_body(post(base, "json", {**form, "device_id": "phone-43"}))[0]["service_request_id"]
    assert other_device not in (first, changed)
    assert Ticket.objects.count() == 3
    # After a minute the same report is a new ticket.
    from pengcheng.hotline.models import Open311Device

    Open311Device.objects.filter(device_id="phone-42").update(last_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    later = json_body(post(base, "json", {**form, "description": "另一盏路灯也坏了"}))[0]["service_request_id"]
    assert later not in (first, changed) and Ticket.objects.count() == 4


def test_reports_of_wrongdoing_and_personal_numbers_are_not_published(base: str, api_key: str) -> None:
    text = "某餐馆老板电话13812345678，身份证440301199001011234，偷排污水"
    form = {"api_key": api_key, "service_code": STREETLIGHT, "address_string": "宝安区", "description": text}
    complaint = json_body(post(base, "json", form))[0]["service_request_id"]
    report = json_body(post(base, "json", {**form, "attribute[request_type]": "report"}))[0]["service_request_id"]
    [public] = json_body(get(f"{base}/requests/{complaint}.json"))
    assert "13812345678" not in public["description"] and "138****5678" in public["description"]
    assert "440301199001011234" not in public["description"]
    [secret] = json_body(get(f"{base}/requests/{report}.json"))
    assert secret["description"] is None and secret["address"] is None and secret["lat"] is None
