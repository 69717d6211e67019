"""Portal pages of the open-data catalogue, file downloads and the DCAT documents."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from pengcheng.core.errors import ValidationFailed
from pengcheng.core.models import ApiKey, User
from pengcheng.core.services import create_api_key, revoke_api_key
from pengcheng.opendata import datastore, dcat, selectors, services, usage
from pengcheng.opendata.models import LICENCES, Dataset, DatasetState, Frequency, Resource

PAGE_SIZE = 20
PREVIEW_ROWS = 50
FACETS = [
    ("organization", gettext_lazy("Publisher")),
    ("groups", gettext_lazy("Theme")),
    ("tags", gettext_lazy("Tag")),
    ("res_format", gettext_lazy("Format")),
    ("license_id", pgettext_lazy("open data licence", "Licence")),
]
SORTS = [
    ("metadata_modified desc", gettext_lazy("Recently updated")),
    ("title_string asc", gettext_lazy("Title")),
    ("metadata_created desc", gettext_lazy("Newest")),
]


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _quote_value(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _facet_label(result: selectors.SearchResult, name: str, value: str) -> str:
    if name == "license_id" and value in LICENCES:
        return str(LICENCES[value][0])
    return result.facet_titles.get(name, {}).get(value, value)


def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    chosen = {name: request.GET.get(name, "").strip()[:100] for name, _label in FACETS}
    fq = " ".join(f"{name}:{_quote_value(value)}" for name, value in chosen.items() if value)
    sort = request.GET.get("sort", SORTS[0][0])
    if sort not in dict(SORTS):
        sort = SORTS[0][0]
    try:
        page_number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page_number = 1
    try:
        result = selectors.search_datasets(
            AnonymousUser(),
            q=q,
            fq=fq,
            rows=PAGE_SIZE,
            start=(page_number - 1) * PAGE_SIZE,
            sort=sort,
            facet_fields=[name for name, _label in FACETS],
            facet_limit=12,
        )
    except selectors.SearchQueryError:
        result = selectors.SearchResult(count=0, page=[])
    pages = max(1, -(-result.count // PAGE_SIZE))

    def link(**changes: str) -> str:
        params = {"q": q, **chosen, "sort": sort, **changes}
        return "?" + urlencode({key: value for key, value in params.items() if value})

    facets = []
    for name, label in FACETS:
        items = [
            {
                "value": value,
                "label": _facet_label(result, name, value),
                "count": count,
                "active": chosen[name] == value,
                "url": link(**{name: "" if chosen[name] == value else value, "page": ""}),
            }
            for value, count in result.facets.get(name, {}).items()
        ]
        facets.append({"name": name, "label": label, "items": items})
    packages = []
    for package in selectors.package_dicts(result.page, _base_url(request)):
        formats = sorted({resource["format"] for resource in package["resources"] if resource["format"]})
        packages.append({**package, "formats": formats, "modified": package["metadata_modified"][:10]})
    return render(
        request,
        "opendata/search.html",
        {
            "q": q,
            "result": result,
            "packages": packages,
            "facets": facets,
            "chosen": {name: value for name, value in chosen.items() if value},
            "sort": sort,
            "sorts": SORTS,
            "page_number": page_number,
            "pages": pages,
            "previous_url": link(page=str(page_number - 1)) if page_number > 1 else "",
            "next_url": link(page=str(page_number + 1)) if page_number < pages else "",
            "clear_url": "?",
        },
    )


def _dataset_for(request: HttpRequest, name: str) -> Dataset:
    dataset = selectors.with_relations(Dataset.objects.filter(name=name).exclude(state=DatasetState.DELETED)).first()
    if dataset is None or not selectors.can_read(request.user, dataset):
        raise Http404(_("No such dataset."))
    return dataset


def dataset_page(request: HttpRequest, name: str) -> HttpResponse:
    dataset = _dataset_for(request, name)
    base = _base_url(request)
    package = selectors.package_dict(dataset, base)
    return render(
        request,
        "opendata/dataset.html",
        {
            "dataset": dataset,
            "resources": package["resources"],
            "base_url": base,
            "frequency": Frequency(dataset.frequency).label if dataset.frequency else "",
            "can_edit": selectors.can_edit(request.user, dataset),
        },
    )


def _resource_for(request: HttpRequest, resource_id: str) -> Resource:
    resource = selectors.resource_for(resource_id)
    if (
        resource is None
        or resource.dataset.state == DatasetState.DELETED
        or not selectors.can_read(request.user, resource.dataset)
    ):
        raise Http404(_("No such resource."))
    return resource


def resource_page(request: HttpRequest, name: str, resource_id: str) -> HttpResponse:
    resource = _resource_for(request, resource_id)
    if resource.dataset.name != name:
        raise Http404(_("No such resource."))
    version = resource.current_version
    preview: datastore.SearchResult | None = None
    filter_field = request.GET.get("field", "")
    filter_value = request.GET.get("value", "").strip()
    q = request.GET.get("q", "").strip()[:100]
    error = ""
    try:
        page_number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page_number = 1
    if version is not None and version.table_name:
        filters = {filter_field: filter_value} if filter_field and filter_value else None
        try:
            preview = datastore.search(
                version.table_name,
                version.columns,
                filters=filters,
                q=q or None,
                limit=PREVIEW_ROWS,
                offset=(page_number - 1) * PREVIEW_ROWS,
                known_total=version.rows_total,
            )
        except datastore.QueryError as exc:
            error = str(exc)
    total = preview.total or 0 if preview else 0
    pages = max(1, -(-total // PREVIEW_ROWS))
    params = {"field": filter_field, "value": filter_value, "q": q}

    def page_link(number: int) -> str:
        return "?" + urlencode({**{k: v for k, v in params.items() if v}, "page": number})

    usage.record(0, str(resource.dataset_id), "portal_preview")
    return render(
        request,
        "opendata/resource.html",
        {
            "resource": resource,
            "dataset": resource.dataset,
            "version": version,
            "preview": preview,
            "columns": version.columns if version else [],
            "filter_field": filter_field,
            "filter_value": filter_value,
            "q": q,
            "error": error,
            "page_number": page_number,
            "pages": pages,
            "previous_url": page_link(page_number - 1) if page_number > 1 else "",
            "next_url": page_link(page_number + 1) if page_number < pages else "",
            "base_url": _base_url(request),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def download(request: HttpRequest, resource_id: str, fmt: str) -> HttpResponseBase:
    """The resource's current data as CSV, JSON or XLSX, or the file as uploaded."""
    resource = _resource_for(request, resource_id)
    version = resource.current_version
    if version is None:
        if resource.url:
            return redirect(resource.url)
        raise Http404(_("This resource has no data yet."))
    usage.record(0, str(resource.dataset_id), f"download_{fmt}")
    stem = f"{resource.dataset.name}-{resource.pk.hex[:8]}-v{version.number}"
    if fmt == "original":
        return FileResponse(version.file.open("rb"), as_attachment=True, filename=f"{stem}.{version.format.lower()}")
    if not version.table_name:
        raise Http404(_("This resource has no table data."))
    headers = [column["id"] for column in version.columns]
    rows = datastore.iterate(version.table_name, version.columns)
    if fmt == "csv":
        writer = csv.writer(_Echo())

        def csv_lines() -> Iterator[str]:
            yield "\ufeff" + writer.writerow(headers)
            for row in rows:
                yield writer.writerow(["" if value is None else value for value in row])

        response: HttpResponseBase = StreamingHttpResponse(csv_lines(), content_type="text/csv; charset=utf-8")
    elif fmt == "json":

        def json_chunks() -> Iterator[str]:
            yield (
                '{"fields": '
                + json.dumps([{"id": c["id"], "type": c["type"]} for c in version.columns], ensure_ascii=False)
                + ', "records": ['
            )
            for index, row in enumerate(rows):
                yield ("," if index else "") + json.dumps(
                    dict(zip(headers, row, strict=True)), ensure_ascii=False, default=str
                )
            yield "]}"

        response = StreamingHttpResponse(json_chunks(), content_type="application/json; charset=utf-8")
    elif fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(title="data")
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=selectors.MIMETYPES["XLSX"])
    else:
        raise Http404(_("Unknown download format."))
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


# DCAT --------------------------------------------------------------------------------------------------


def catalog_rdf(request: HttpRequest, fmt: str) -> HttpResponse:
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    base = _base_url(request)
    datasets = selectors.visible_datasets(AnonymousUser())
    modified_since = request.GET.get("modified_since", "")
    if modified_since:
        try:
            moment = selectors._solr_date(modified_since)
        except selectors.SearchQueryError:
            return HttpResponse(
                _("modified_since must be an ISO 8601 date and time."), status=400, content_type="text/plain"
            )
        if moment:
            datasets = datasets.filter(modified_at__gte=moment)
    total = datasets.count()
    page_items = selectors.with_relations(datasets.order_by("-modified_at", "id"))[
        (page - 1) * dcat.PAGE_SIZE : page * dcat.PAGE_SIZE
    ]

    def page_url(number: int) -> str:
        extra = {"modified_since": modified_since} if modified_since else {}
        return f"{base}/catalog.{fmt}?" + urlencode({**extra, "page": number})

    text, content_type = dcat.serialize(dcat.catalog_graph(page_items, base, page, total, page_url), fmt)
    usage.record(0, "", "dcat_catalog")
    return HttpResponse(text, content_type=f"{content_type}; charset=utf-8")


def dataset_rdf(request: HttpRequest, key: str, fmt: str) -> HttpResponse:
    try:
        found = services.get_dataset(key)
    except Exception:
        raise Http404(_("No such dataset.")) from None
    dataset = selectors.with_relations(Dataset.objects.filter(pk=found.pk)).get()
    if dataset.state == DatasetState.DELETED or not selectors.can_read(request.user, dataset):
        raise Http404(_("No such dataset."))
    base = _base_url(request)
    graph = dcat.new_graph()
    dcat.add_dataset(graph, dataset, base)
    text, content_type = dcat.serialize(graph, fmt)
    usage.record(0, str(dataset.pk), "dcat_dataset")
    return HttpResponse(text, content_type=f"{content_type}; charset=utf-8")


# Developers -------------------------------------------------------------------------------------------------


def developer(request: HttpRequest) -> HttpResponse:
    keys: list[dict[str, Any]] = []
    can_write = False
    if request.user.is_authenticated:
        user = cast(User, request.user)
        can_write = selectors.publisher_departments(user) != set()
        for key in ApiKey.objects.filter(owner=user, revoked_at__isnull=True).order_by("-created_at"):
            limit = usage.BUFFER.limit_for(key.pk)
            keys.append({"key": key, "used": usage.BUFFER.used_today(key.pk), "limit": limit})
    sample = Dataset.objects.filter(
        state=DatasetState.ACTIVE, private=False, resources__current_version__table_name__gt=""
    ).first()
    resource = sample.resources.exclude(current_version=None).first() if sample else None
    return render(
        request,
        "opendata/developer.html",
        {
            "keys": keys,
            "can_write": can_write,
            "base_url": _base_url(request),
            "sample": sample,
            "sample_resource": resource,
            "new_key": request.session.pop("opendata_new_key", None),
        },
    )


@login_required
@require_POST
def create_key(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    scopes = ["opendata.read"]
    if request.POST.get("write") == "1" and selectors.publisher_departments(user) != set():
        scopes.append("opendata.write")
    try:
        issued = create_api_key(user, name=request.POST.get("name", ""), scopes=scopes, owner=user)
    except ValidationFailed as exc:
        for message_list in exc.field_errors.values():
            for message in message_list:
                messages.error(request, message)
        return redirect("opendata:developer")
    request.session["opendata_new_key"] = issued.raw
    return redirect("opendata:developer")


@login_required
@require_POST
def revoke_key(request: HttpRequest, pk: int) -> HttpResponse:
    key = ApiKey.objects.filter(pk=pk, owner=cast(User, request.user)).first()
    if key is None:
        raise Http404(_("No such key."))
    revoke_api_key(cast(User, request.user), key)
    messages.success(request, _("The key was revoked."))
    return redirect("opendata:developer")
