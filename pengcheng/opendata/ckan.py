"""The CKAN Action API v3 at ``/api/3/action/<name>`` and ``/api/action/<name>``.

Requests and responses follow CKAN: GET parameters or a JSON (or multipart) POST body; the envelope
``{"help", "success", "result"}``; errors ``{"__type": "Not Found Error" | "Validation Error" |
"Authorization Error" | "Search Query Error" | "Bad Request", "message", ...}`` with CKAN's status
codes (404, 409, 403, 400). Keys are read from ``Authorization`` (the raw key, as CKAN clients send
it, or ``Bearer``), ``X-CKAN-API-Key`` or ``X-API-Key``. Every call is counted per key, dataset and
action (``usage``), and keyed calls are held to the key's daily quota.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from pengcheng.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from pengcheng.core.middleware import audit_denial
from pengcheng.core.models import ApiKey
from pengcheng.core.selectors import api_key_for
from pengcheng.opendata import datastore, selectors, services, usage
from pengcheng.opendata.models import DatasetState, Resource

logger = logging.getLogger(__name__)

CKAN_VERSION = "2.10.4"  # the CKAN API behaviour this implementation follows


class BadRequest(Exception):
    pass


@dataclass
class Call:
    request: HttpRequest
    data: dict[str, Any]
    actor: Any
    key: ApiKey | None
    base_url: str
    dataset_id: str = ""


Action = Callable[[Call], Any]
ACTIONS: dict[str, tuple[Action, bool]] = {}  # name -> (function, side-effect free)


def action(name: str, *, read: bool = True) -> Callable[[Action], Action]:
    def register(func: Action) -> Action:
        ACTIONS[name] = (func, read)
        return func

    return register


# Parameter helpers --------------------------------------------------------------------------------


def _int(data: dict[str, Any], name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    raw = data.get(name, default)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValidationFailed({name: ["Invalid integer"]}) from None
    if value < minimum:
        raise ValidationFailed({name: ["Must be a natural number" if minimum == 0 else f"Must be at least {minimum}"]})
    if maximum is not None and value > maximum:
        raise ValidationFailed({name: [f"Must be less than or equal to {maximum}"]})
    return value


def _bool(data: dict[str, Any], name: str, default: bool = False) -> bool:
    raw = data.get(name, default)
    if isinstance(raw, bool):
        return raw
    if raw in (None, ""):
        return default
    text = str(raw).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise ValidationFailed({name: ["Must be true or false"]})


def _json_or(value: Any, name: str) -> Any:
    """GET parameters carry lists and objects JSON-encoded, as CKAN clients send them."""
    if isinstance(value, str) and value.strip()[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            raise ValidationFailed({name: ["Cannot parse JSON"]}) from None
    return value


def _list(data: dict[str, Any], name: str) -> list[str] | None:
    value = _json_or(data.get(name), name)
    if value in (None, "", []):
        return None
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    raise ValidationFailed({name: ["Must be a list of strings"]})


def _required(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if value in (None, ""):
        raise ValidationFailed({name: ["Missing value"]})
    return str(value)


def _readable_dataset(call: Call, key: str, *, for_writing: bool = False) -> Any:
    """The dataset (for writing: the model instance; for reading: its header) if the caller may see it."""
    dataset: Any
    if for_writing:
        try:
            dataset = services.get_dataset(key)
        except NotFound:
            raise NotFound("Dataset not found") from None
    else:
        dataset = selectors.dataset_header(key)
        if dataset is None:
            raise NotFound("Dataset not found")
    call.dataset_id = str(dataset.pk)
    if dataset.state == DatasetState.DELETED and not selectors.can_edit(call.actor, dataset):
        raise NotFound("Dataset not found")
    if not selectors.can_read(call.actor, dataset):
        raise AccessDenied(
            "opendata.package.read", target=dataset, reason=f"User not authorized to read package {dataset.pk}"
        )
    return dataset


def _package(call: Call, dataset: Any) -> dict[str, Any]:
    return selectors.package_dicts([(dataset.pk, dataset.modified_at)], call.base_url)[0]


# Read actions ------------------------------------------------------------------------------------------


@action("status_show")
def status_show(call: Call) -> dict[str, Any]:
    """Return the site's title, URL, version and extensions."""
    return {
        "site_title": "鹏城开放数据 Pengcheng Open Data",
        "site_description": "Open data published by the city's departments.",
        "site_url": call.base_url,
        "ckan_version": CKAN_VERSION,
        "locale_default": "zh_Hans",
        "extensions": ["datastore", "dcat"],
    }


@action("help_show")
def help_show(call: Call) -> str:
    """Return the documentation of an action (``name``)."""
    name = _required(call.data, "name")
    if name not in ACTIONS:
        raise NotFound(f"Action function not found: {name}")
    return (ACTIONS[name][0].__doc__ or "").strip()


@action("package_list")
def package_list(call: Call) -> list[str]:
    """Return the names of the public datasets (``limit``, ``offset``)."""
    limit = _int(call.data, "limit", 0, maximum=selectors.MAX_ROWS)
    offset = _int(call.data, "offset", 0)
    names = selectors.visible_datasets(AnonymousUser()).order_by("name").values_list("name", flat=True)
    return list(names[offset : offset + limit] if limit else names[offset:])


@action("package_search")
def package_search(call: Call) -> dict[str, Any]:
    """Search datasets: ``q``, ``fq`` (``field:value``, ``metadata_modified:[X TO *]``), ``fq_list``,
    ``rows`` (at most 1000), ``start``, ``sort``, ``facet.field``, ``facet.limit``,
    ``include_private``, ``include_drafts``."""
    data = call.data
    rows = _int(data, "rows", 10, maximum=selectors.MAX_ROWS)
    start = _int(data, "start", 0)
    fq = str(data.get("fq") or "")
    fq_list = _list(data, "fq_list") or []
    fq = " ".join([fq, *fq_list]).strip()
    facet_fields = _list(data, "facet.field") or []
    facet_limit = _int(data, "facet.limit", 50, minimum=-1)
    sort = str(data.get("sort") or "score desc, metadata_modified desc")
    result = selectors.search_datasets(
        call.actor,
        q=str(data.get("q") or ""),
        fq=fq,
        rows=rows,
        start=start,
        sort=sort,
        facet_fields=facet_fields,
        facet_limit=facet_limit if facet_limit >= 0 else 10_000,
        include_private=_bool(data, "include_private"),
        include_drafts=_bool(data, "include_drafts"),
    )
    search_facets = {
        name: {
            "title": name,
            "items": [
                {"name": key, "display_name": result.facet_titles[name].get(key, key), "count": count}
                for key, count in counts.items()
            ],
        }
        for name, counts in result.facets.items()
    }
    return {
        "count": result.count,
        "sort": sort,
        "facets": result.facets,
        "search_facets": search_facets,
        "results": selectors.package_dicts(result.page, call.base_url),
    }


@action("package_show")
def package_show(call: Call) -> dict[str, Any]:
    """Return a dataset with its resources (``id``: the id or name)."""
    dataset = _readable_dataset(call, _required(call.data, "id"))
    return _package(call, dataset)


def _sorted(items: list[tuple[Any, int]], sort: str, name_of: Callable[[Any], str]) -> list[tuple[Any, int]]:
    words = (sort or "name asc").split()
    field = words[0] if words else "name"
    descending = len(words) > 1 and words[1].lower() == "desc"
    if field == "package_count":
        return sorted(items, key=lambda item: (item[1], name_of(item[0])), reverse=descending)
    if field in ("name", "title"):
        return sorted(items, key=lambda item: name_of(item[0]), reverse=descending)
    raise ValidationFailed({"sort": [f"Cannot sort by {field!r}: use name or package_count"]})


def _group_listing(
    call: Call,
    items: list[tuple[Any, int]],
    to_dict: Callable[..., dict[str, Any]],
    name_of: Callable[[Any], str],
    names_key: str,
) -> list[Any]:
    wanted = _list(call.data, names_key)
    if wanted:
        items = [item for item in items if name_of(item[0]) in wanted]
    items = _sorted(items, str(call.data.get("sort") or call.data.get("order_by") or "name asc"), name_of)
    limit = _int(call.data, "limit", 1000, maximum=1000)
    offset = _int(call.data, "offset", 0)
    items = items[offset : offset + limit]
    if _bool(call.data, "all_fields"):
        return [to_dict(obj, count) for obj, count in items]
    return [name_of(obj) for obj, _ in items]


@action("organization_list")
def organization_list(call: Call) -> list[Any]:
    """Return the organisations (the publishing departments): ``all_fields``, ``sort``, ``limit``,
    ``offset``, ``organizations``."""
    items = selectors.organizations(with_counts=True)
    return _group_listing(call, items, selectors.organization_dict, lambda d: d.code.lower(), "organizations")


@action("organization_show")
def organization_show(call: Call) -> dict[str, Any]:
    """Return an organisation (``id``: its name or id; ``include_datasets``)."""
    department = selectors.department_by_key(_required(call.data, "id"))
    if department is None:
        raise NotFound("Organization was not found.")
    public = selectors.visible_datasets(AnonymousUser()).filter(organization=department)
    result = selectors.organization_dict(department, public.count())
    if _bool(call.data, "include_datasets"):
        result["packages"] = [
            selectors.package_dict(dataset, call.base_url)
            for dataset in selectors.with_relations(public.order_by("name"))[:1000]
        ]
    return result


@action("group_list")
def group_list(call: Call) -> list[Any]:
    """Return the groups (themes): ``all_fields``, ``sort``, ``limit``, ``offset``, ``groups``."""
    items = [(theme, theme.public_count) for theme in selectors.themes_with_counts()]  # type: ignore[attr-defined]
    return _group_listing(call, items, selectors.group_dict, lambda t: t.name, "groups")


@action("group_show")
def group_show(call: Call) -> dict[str, Any]:
    """Return a group (theme) (``id``: its name or id; ``include_datasets``)."""
    theme = selectors.theme_by_key(_required(call.data, "id"))
    if theme is None:
        raise NotFound("Group was not found.")
    public = selectors.visible_datasets(AnonymousUser()).filter(themes=theme)
    result = selectors.group_dict(theme, public.count())
    if _bool(call.data, "include_datasets"):
        result["packages"] = [
            selectors.package_dict(dataset, call.base_url)
            for dataset in selectors.with_relations(public.order_by("name"))[:1000]
        ]
    return result


@action("tag_list")
def tag_list(call: Call) -> list[Any]:
    """Return the tags of public datasets (``query``, ``all_fields``)."""
    names = selectors.tag_names(str(call.data.get("query") or ""))
    if _bool(call.data, "all_fields"):
        return [{"name": name, "display_name": name, "vocabulary_id": None} for name in names]
    return names


def _check_resource(call: Call, key: str, dataset: Any) -> None:
    """Resources of deleted datasets and drafts are not found; of others' private datasets, refused."""
    call.dataset_id = str(dataset.pk)
    if dataset.state == DatasetState.DELETED or not selectors.can_read(call.actor, dataset):
        if dataset.state == DatasetState.DELETED or not dataset.private:
            raise NotFound(f'Resource "{key}" was not found.')
        raise AccessDenied(
            "opendata.resource.read",
            target=("opendata.Resource", key),
            reason=f"User not authorized to read resource {key}",
        )


def _readable_resource(call: Call, key: str) -> Resource:
    resource = selectors.resource_for(key)
    if resource is None:
        raise NotFound(f'Resource "{key}" was not found.')
    _check_resource(call, key, resource.dataset)
    return resource


@action("resource_show")
def resource_show(call: Call) -> dict[str, Any]:
    """Return a resource (``id``)."""
    resource = _readable_resource(call, _required(call.data, "id"))
    return selectors.resource_dict(resource, resource.dataset, call.base_url)


RECORDS_FORMATS = ("objects", "lists", "csv")


@action("datastore_search")
def datastore_search(call: Call) -> dict[str, Any]:
    """Search a resource's data: ``resource_id``, ``filters``, ``q``, ``fields``, ``sort``, ``limit``
    (at most 32000), ``offset``, ``include_total``, ``records_format`` (objects, lists or csv)."""
    data = call.data
    resource_id = _required(data, "resource_id")
    table = selectors.table_header(resource_id)
    if table is None:
        raise NotFound(f'Resource "{resource_id}" was not found.')
    _check_resource(call, resource_id, table.dataset)
    if not table.table_name:
        raise NotFound(f'Resource "{resource_id}" was not found.')
    limit = _int(data, "limit", datastore.DEFAULT_LIMIT, maximum=datastore.MAX_LIMIT)
    offset = _int(data, "offset", 0)
    filters = _json_or(data.get("filters"), "filters")
    if filters in (None, ""):
        filters = {}
    if not isinstance(filters, dict):
        raise ValidationFailed({"filters": ["Must be a dictionary of field: value"]})
    q = _json_or(data.get("q"), "q")
    if q is not None and not isinstance(q, str | dict):
        raise ValidationFailed({"q": ["Must be a string or a dictionary"]})
    sort = data.get("sort")
    if isinstance(sort, list):
        sort = ", ".join(str(item) for item in sort)
    records_format = str(data.get("records_format") or "objects")
    if records_format not in RECORDS_FORMATS:
        raise ValidationFailed({"records_format": [f"Must be one of {', '.join(RECORDS_FORMATS)}"]})
    include_total = _bool(data, "include_total", True)
    try:
        result = datastore.search(
            table.table_name,
            table.columns,
            filters=filters,
            q=q or None,
            fields=_list(data, "fields"),
            sort=str(sort) if sort else None,
            limit=limit,
            offset=offset,
            include_total=include_total,
            known_total=table.rows_total,
        )
    except datastore.QueryError as exc:
        raise ValidationFailed({exc.field: [str(exc)]}) from None
    ids = [field.id for field in result.fields]
    records: Any
    if records_format == "objects":
        records = [dict(zip(ids, row, strict=True)) for row in result.records]
    elif records_format == "lists":
        records = result.records
    else:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(["" if v is None else v for v in row] for row in result.records)
        records = buffer.getvalue()
    start_link = f"/api/3/action/datastore_search?resource_id={table.resource_id}"
    body: dict[str, Any] = {
        "include_total": include_total,
        "resource_id": str(table.resource_id),
        "fields": [{"id": field.id, "type": field.type} for field in result.fields],
        "records_format": records_format,
        "records": records,
        "limit": limit,
        "_links": {"start": start_link, "next": f"{start_link}&offset={offset + limit}"},
    }
    if offset:
        body["offset"] = offset
    for name in ("filters", "q", "sort"):
        if data.get(name):
            body[name] = filters if name == "filters" else (q if name == "q" else sort)
    if result.total is not None:
        body["total"] = result.total
        body["total_was_estimated"] = False
    return body


# Write actions ---------------------------------------------------------------------------------------------


def _publisher(call: Call, action_name: str) -> Any:
    if call.key is None:
        raise AccessDenied(action_name, reason="an API key with the opendata.write scope is required")
    if not call.key.has_scope("opendata.write"):
        raise AccessDenied(action_name, reason="this API key lacks the 'opendata.write' scope")
    return call.actor


def _package_data(data: dict[str, Any]) -> dict[str, Any]:
    """CKAN's package fields, including ``extras``, as the services' field names."""
    result = {key: data[key] for key in services.DATASET_FIELDS if key in data}
    if "maintainer" in data and "contact_name" not in data:
        result["contact_name"] = data["maintainer"]
    if "maintainer_email" in data and "contact_email" not in data:
        result["contact_email"] = data["maintainer_email"]
    extras = _json_or(data.get("extras"), "extras")
    if isinstance(extras, list):
        for extra in extras:
            if isinstance(extra, dict) and extra.get("key") in services.DATASET_FIELDS:
                result.setdefault(extra["key"], extra.get("value"))
    for name in ("tags", "groups"):
        if name in result:
            result[name] = _json_or(result[name], name)
    return result


def _link_resources(call: Call, dataset: Any, resources: Any) -> None:
    resources = _json_or(resources, "resources")
    if not resources:
        return
    if not isinstance(resources, list):
        raise ValidationFailed({"resources": ["Must be a list"]})
    for item in resources:
        if not isinstance(item, dict) or not item.get("url"):
            raise ValidationFailed({"resources": ["Each resource needs a url (upload files with resource_create)"]})
        services.add_link_resource(
            call.actor,
            dataset,
            url=str(item["url"]),
            name=str(item.get("name") or ""),
            fmt=str(item.get("format") or ""),
            description=str(item.get("description") or ""),
        )


@action("package_create", read=False)
def package_create(call: Call) -> dict[str, Any]:
    """Create a dataset. Needs a key with the ``opendata.write`` scope, held by a data officer of
    ``owner_org``. Datasets are drafts unless ``state`` is ``active``."""
    actor = _publisher(call, "opendata.package_create")
    data = _package_data(call.data)
    data.setdefault("state", DatasetState.DRAFT if call.data.get("state") is None else call.data["state"])
    data.setdefault("license_id", "cc-by")
    dataset = services.create_dataset(actor, data)
    _link_resources(call, dataset, call.data.get("resources"))
    call.dataset_id = str(dataset.pk)
    return _package(call, dataset)


@action("package_update", read=False)
def package_update(call: Call) -> dict[str, Any]:
    """Replace a dataset's metadata (``id`` and the full dictionary)."""
    actor = _publisher(call, "opendata.package_update")
    dataset = _readable_dataset(call, _required(call.data, "id"), for_writing=True)
    dataset = services.update_dataset(actor, dataset, _package_data(call.data), partial=False)
    return _package(call, dataset)


@action("package_patch", read=False)
def package_patch(call: Call) -> dict[str, Any]:
    """Change some of a dataset's fields (``id`` and the fields to change)."""
    actor = _publisher(call, "opendata.package_patch")
    dataset = _readable_dataset(call, _required(call.data, "id"), for_writing=True)
    dataset = services.update_dataset(actor, dataset, _package_data(call.data), partial=True)
    return _package(call, dataset)


@action("package_delete", read=False)
def package_delete(call: Call) -> None:
    """Delete a dataset (``id``); it is kept with the state ``deleted``."""
    actor = _publisher(call, "opendata.package_delete")
    dataset = _readable_dataset(call, _required(call.data, "id"), for_writing=True)
    services.delete_dataset(actor, dataset)
    return None


@action("resource_create", read=False)
def resource_create(call: Call) -> dict[str, Any]:
    """Add a resource to a dataset: ``package_id``, ``upload`` (a CSV, XLSX, JSON or GeoJSON file, sent
    as multipart) or ``url``, and ``name``, ``description``, ``format``. Uploaded tables are scanned
    for personal data and loaded into the datastore; flagged columns wait for the officer's review."""
    actor = _publisher(call, "opendata.resource_create")
    dataset = _readable_dataset(call, _required(call.data, "package_id"), for_writing=True)
    upload = call.data.get("upload")
    name = str(call.data.get("name") or "")
    description = str(call.data.get("description") or "")
    fmt = str(call.data.get("format") or "")
    if isinstance(upload, UploadedFile):
        version = services.upload_resource(actor, dataset, upload, name=name, description=description, fmt=fmt)
        resource = Resource.objects.select_related("current_version").get(pk=version.resource_id)
        result = selectors.resource_dict(resource, dataset, call.base_url)
        result["pengcheng_status"] = version.status
        if version.findings:
            result["pengcheng_personal_data_findings"] = version.findings
        return result
    if upload not in (None, ""):
        raise ValidationFailed({"upload": ["Send the file as multipart/form-data"]})
    url = str(call.data.get("url") or "")
    if not url:
        raise ValidationFailed({"upload": ["Missing value: send a file (upload) or a url"]})
    resource = services.add_link_resource(actor, dataset, url=url, name=name, fmt=fmt, description=description)
    return selectors.resource_dict(resource, dataset, call.base_url)


# The endpoint -------------------------------------------------------------------------------------------------


def _key_from(request: HttpRequest) -> tuple[str | None, bool]:
    """(the raw key, whether one was sent)."""
    meta = request.META
    raw = meta.get("HTTP_AUTHORIZATION") or meta.get("HTTP_X_CKAN_API_KEY") or meta.get("HTTP_X_API_KEY")
    if not raw:
        return None, False
    raw = raw.strip()
    if raw.lower().startswith("bearer "):
        raw = raw[7:].strip()
    return raw, True


def _request_data(request: HttpRequest, read: bool) -> dict[str, Any]:
    if request.method == "GET":
        if not read:
            raise BadRequest("Bad request - JSON Error: No request body data")
        return {key: (values if len(values) > 1 else values[0]) for key, values in request.GET.lists()}
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith("multipart/form-data") or content_type.startswith("application/x-www-form-urlencoded"):
        try:
            data: dict[str, Any] = {key: request.POST.get(key) for key in request.POST}
            data.update({key: request.FILES[key] for key in request.FILES})
        except Exception as exc:  # a malformed multipart body
            raise BadRequest(f"Bad request - cannot read the form data: {exc.__class__.__name__}") from None
        return data
    body = request.body
    if not body.strip():
        return {key: (values if len(values) > 1 else values[0]) for key, values in request.GET.lists()}
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"Bad request - JSON Error: {exc}") from None
    if not isinstance(parsed, dict):
        raise BadRequest(
            f"Bad request - Bad request data: Request data JSON decoded to {parsed!r} but it needs to be a dictionary."
        )
    return parsed


def _respond(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str),
        status=status,
        content_type="application/json;charset=utf-8",
    )
    response["Access-Control-Allow-Origin"] = "*"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _error(help_url: str, status: int, error: dict[str, Any], headers: dict[str, str] | None = None) -> HttpResponse:
    return _respond({"help": help_url, "success": False, "error": error}, status, headers)


@csrf_exempt
def action_view(request: HttpRequest, name: str) -> HttpResponse:
    base_url = request.build_absolute_uri("/").rstrip("/")
    help_url = f"{base_url}/api/3/action/help_show?name={name}"
    if request.method == "OPTIONS":
        response = _respond({}, 200)
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Authorization, Content-Type, X-CKAN-API-Key, X-API-Key"
        return response
    if request.method not in ("GET", "POST"):
        return _error(help_url, 405, {"__type": "Bad Request", "message": "Bad request - use GET or POST"})
    entry = ACTIONS.get(name)
    if entry is None:
        return _error(
            help_url, 400, {"__type": "Bad Request", "message": f"Bad request - Action name not known: {name}"}
        )
    func, read = entry
    raw_key, sent = _key_from(request)
    key: ApiKey | None = None
    if sent:
        key = api_key_for(raw_key or "")
        if key is None:
            return _error(
                help_url, 403, {"__type": "Authorization Error", "message": "Access denied: the API key is not valid"}
            )
        exceeded, limit = usage.over_quota(key.pk)
        if exceeded:
            return _error(
                help_url,
                403,
                {
                    "__type": "Authorization Error",
                    "message": f"Access denied: the daily quota of {limit} calls for this key is used up",
                },
                {"Retry-After": "3600"},
            )
    actor = key.owner if key is not None and key.owner is not None else AnonymousUser()
    call = Call(request=request, data={}, actor=actor, key=key, base_url=base_url)
    try:
        call.data = _request_data(request, read)
        result = func(call)
    except BadRequest as exc:
        return _error(help_url, 400, {"__type": "Bad Request", "message": str(exc)})
    except ValidationFailed as exc:
        return _error(help_url, 409, {"__type": "Validation Error", "message": str(exc.message), **exc.field_errors})
    except selectors.SearchQueryError as exc:
        return _error(help_url, 400, {"__type": "Search Query Error", "message": f"Search Query is invalid: {exc}"})
    except NotFound as exc:
        return _error(help_url, 404, {"__type": "Not Found Error", "message": f"Not found: {exc.message}"})
    except AccessDenied as exc:
        if not read:
            audit_denial(request, exc)
        return _error(
            help_url, 403, {"__type": "Authorization Error", "message": f"Access denied: {exc.reason or exc.action}"}
        )
    except Conflict as exc:
        return _error(help_url, 409, {"__type": "Validation Error", "message": str(exc.message)})
    except Exception:
        if settings.DEBUG:
            raise
        logger.exception("CKAN action %s failed", name)
        return _error(help_url, 500, {"__type": "Internal Server Error", "message": "Internal Server Error"})
    finally:
        usage.record(key.pk if key else 0, call.dataset_id, name)
    return _respond({"help": help_url, "success": True, "result": result})
