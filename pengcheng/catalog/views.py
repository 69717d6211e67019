"""Catalogue pages: search and item guides for everyone, item management for operators."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pengcheng.catalog import forms, selectors, services
from pengcheng.catalog.models import Audience, ItemStatus, ServiceItem
from pengcheng.core.console_views import staff_required
from pengcheng.core.errors import NotFound
from pengcheng.core.permissions import require_platform_role


def _int(value: str | None, default: int = 1) -> int:
    try:
        return max(1, int(value or default))
    except ValueError:
        return default


def search_params(request: HttpRequest) -> dict[str, str]:
    return {
        name: request.GET.get(name, "").strip()[:100] for name in ("q", "department", "theme", "audience", "district")
    }


def index(request: HttpRequest) -> HttpResponse:
    params = search_params(request)
    searching = any(params.values())
    result = selectors.search_items(
        params["q"],
        department=params["department"],
        theme=params["theme"],
        audience=params["audience"],
        district=params["district"],
        page=_int(request.GET.get("page")),
    )
    return render(
        request,
        "catalog/index.html",
        {
            "params": params,
            "searching": searching,
            "result": result,
            "facets": selectors.facets(),
            "audiences": Audience.choices,
            "popular": [] if searching else selectors.popular_items(),
        },
    )


def detail(request: HttpRequest, code: str) -> HttpResponse:
    item = selectors.item_by_code(code, request.user)
    version = item.current_version
    if version is None:
        raise NotFound(_("No such service item."))
    return render(
        request,
        "catalog/detail.html",
        {
            "item": item,
            "version": version,
            "materials": version.materials.all(),
            "audiences": [Audience(a).label for a in version.audiences if a in Audience.values],
            "form_groups": forms.build_form(version.form_schema, version.form_ui),
        },
    )


@staff_required
def manage(request: HttpRequest) -> HttpResponse:
    require_platform_role(request.user, action="catalog.manage")
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    items = ServiceItem.objects.select_related("current_version", "department").order_by("code")
    if q:
        items = items.filter(current_version__name__contains=q) | items.filter(code__startswith=q)
    if status in ItemStatus.values:
        items = items.filter(status=status)
    page = Paginator(items, 25).get_page(request.GET.get("page"))
    return render(
        request, "catalog/manage.html", {"page": page, "q": q, "status": status, "statuses": ItemStatus.choices}
    )


@staff_required
def manage_item(request: HttpRequest, code: str) -> HttpResponse:
    require_platform_role(request.user, action="catalog.manage")
    item = ServiceItem.objects.select_related("current_version", "department").filter(code=code).first()
    if item is None:
        raise NotFound(_("No such service item."))
    return render(
        request,
        "catalog/manage_item.html",
        {"item": item, "versions": item.versions.order_by("-number"), "statuses": ItemStatus.choices},
    )


@staff_required
@require_POST
def set_status(request: HttpRequest, code: str) -> HttpResponse:
    item = ServiceItem.objects.filter(code=code).first()
    if item is None:
        raise NotFound(_("No such service item."))
    services.set_status(request.user, item, request.POST.get("status", ""))  # type: ignore[arg-type]
    messages.success(request, _("The item's status is now %(status)s.") % {"status": item.get_status_display()})
    return redirect("catalog:manage-item", code=code)
