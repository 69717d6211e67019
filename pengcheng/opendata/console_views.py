"""Staff console pages for data officers: datasets, uploads, the personal-data review, column types,
and API usage charts."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from pengcheng.core.errors import DomainError, ValidationFailed
from pengcheng.core.models import ApiKey, Department, Role, User
from pengcheng.core.permissions import require_role
from pengcheng.opendata import ingest, pii, selectors, services
from pengcheng.opendata.models import (
    LICENCES,
    Dataset,
    DatasetState,
    Frequency,
    ResourceVersion,
    Theme,
    UsageCount,
    VersionStatus,
)


def _officer(request: HttpRequest) -> User:
    user = cast(User, request.user)
    require_role(user, Role.DATA_OFFICER, action="opendata.console")
    return user


def _own_dataset(user: User, pk: str) -> Dataset:
    dataset = Dataset.objects.select_related("organization").filter(pk=pk).exclude(state=DatasetState.DELETED).first()
    if dataset is None or not selectors.can_edit(user, dataset):
        raise Http404(_("No such dataset."))
    return dataset


class DatasetForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    title_en = forms.CharField(label=gettext_lazy("English title"), max_length=200, required=False)
    name = forms.SlugField(
        label=gettext_lazy("URL name"), max_length=100, help_text=gettext_lazy("Lower-case letters, digits, - and _.")
    )
    notes = forms.CharField(label=gettext_lazy("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    owner_org = forms.ChoiceField(label=gettext_lazy("Publisher"))
    groups = forms.MultipleChoiceField(
        label=gettext_lazy("Themes"), required=False, widget=forms.CheckboxSelectMultiple
    )
    tags = forms.CharField(
        label=gettext_lazy("Tags"), required=False, help_text=gettext_lazy("Separate tags with commas.")
    )
    license_id = forms.ChoiceField(
        label=pgettext_lazy("open data licence", "Licence"),
        choices=[(key, value[0]) for key, value in LICENCES.items()],
    )
    frequency = forms.ChoiceField(
        label=gettext_lazy("Update frequency"), choices=[("", "—"), *Frequency.choices], required=False
    )
    temporal_start = forms.DateField(
        label=gettext_lazy("Coverage from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    temporal_end = forms.DateField(
        label=gettext_lazy("Coverage to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    spatial = forms.CharField(label=gettext_lazy("Area covered (division code)"), required=False, max_length=12)
    contact_name = forms.CharField(label=gettext_lazy("Contact"), required=False, max_length=100)
    contact_email = forms.EmailField(label=gettext_lazy("Contact e-mail"), required=False)
    contact_phone = forms.CharField(label=gettext_lazy("Contact phone"), required=False, max_length=40)
    private = forms.BooleanField(label=gettext_lazy("Private (only your department sees it)"), required=False)

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = selectors.publisher_departments(user)
        choices = Department.objects.filter(is_active=True).order_by("code")
        if departments is not None:
            choices = choices.filter(pk__in=departments)
        self.fields["owner_org"].choices = [(d.code, f"{d.name} ({d.code})") for d in choices]  # type: ignore[attr-defined]
        self.fields["groups"].choices = [(t.name, t.title) for t in Theme.objects.order_by("name")]  # type: ignore[attr-defined]


def _apply_errors(form: forms.Form, exc: ValidationFailed) -> None:
    for field, field_messages in exc.field_errors.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)


@login_required
def datasets(request: HttpRequest) -> HttpResponse:
    user = _officer(request)
    text = request.GET.get("q", "").strip()[:100]
    state = request.GET.get("state", "")
    return render(
        request,
        "opendata/console/datasets.html",
        {
            "datasets": selectors.officer_datasets(user, text, state)[:200],
            "reviews": selectors.pending_reviews(user),
            "q": text,
            "state": state,
            "states": [
                (DatasetState.DRAFT, DatasetState.DRAFT.label),
                (DatasetState.ACTIVE, DatasetState.ACTIVE.label),
            ],
        },
    )


@login_required
def dataset_new(request: HttpRequest) -> HttpResponse:
    user = _officer(request)
    form = DatasetForm(user, request.POST or None, initial={"license_id": "cc-by"})
    if request.method == "POST" and form.is_valid():
        try:
            dataset = services.create_dataset(user, {**dict(form.cleaned_data), "state": DatasetState.DRAFT})
        except ValidationFailed as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The dataset was created as a draft. Add its data next."))
            return redirect("opendata-console:dataset", pk=dataset.pk)
    return render(request, "opendata/console/dataset_form.html", {"form": form, "dataset": None})


@login_required
def dataset_edit(request: HttpRequest, pk: str) -> HttpResponse:
    user = _officer(request)
    dataset = _own_dataset(user, pk)
    initial = {
        "title": dataset.title,
        "title_en": dataset.title_en,
        "name": dataset.name,
        "notes": dataset.notes,
        "owner_org": dataset.organization.code,
        "groups": list(dataset.themes.values_list("name", flat=True)),
        "tags": ", ".join(dataset.tags.values_list("name", flat=True)),
        "license_id": dataset.license_id,
        "frequency": dataset.frequency,
        "temporal_start": dataset.temporal_start,
        "temporal_end": dataset.temporal_end,
        "spatial": dataset.spatial_id or "",
        "contact_name": dataset.contact_name,
        "contact_email": dataset.contact_email,
        "contact_phone": dataset.contact_phone,
        "private": dataset.private,
    }
    form = DatasetForm(user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_dataset(user, dataset, dict(form.cleaned_data))
        except ValidationFailed as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("opendata-console:dataset", pk=dataset.pk)
    return render(request, "opendata/console/dataset_form.html", {"form": form, "dataset": dataset})


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File (CSV, XLSX, JSON or GeoJSON)"))
    name = forms.CharField(label=gettext_lazy("Resource name"), max_length=200, required=False)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    resource = forms.ChoiceField(label=gettext_lazy("Adds"), required=False)

    def __init__(self, dataset: Dataset, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resource"].choices = [("", _("a new resource"))] + [  # type: ignore[attr-defined]
            (str(r.pk), _("a new version of “%(name)s”") % {"name": r.name}) for r in dataset.resources.all()
        ]


@login_required
def dataset_manage(request: HttpRequest, pk: str) -> HttpResponse:
    user = _officer(request)
    dataset = _own_dataset(user, pk)
    form = UploadForm(dataset, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        resource = (
            dataset.resources.filter(pk=form.cleaned_data["resource"]).first()
            if form.cleaned_data["resource"]
            else None
        )
        try:
            version = services.upload_resource(
                user,
                dataset,
                form.cleaned_data["file"],
                resource=resource,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
            )
        except ValidationFailed as exc:
            _apply_errors(form, exc)
        else:
            if version.status == VersionStatus.REVIEW:
                messages.warning(
                    request, _("Personal data may be present: review the flagged columns before publishing.")
                )
                return redirect("opendata-console:version", pk=version.pk)
            if version.status == VersionStatus.LOADED:
                messages.success(request, _("The data is published in the datastore."))
            else:
                messages.success(request, _("The file was received; it loads in the background."))
            return redirect("opendata-console:dataset", pk=dataset.pk)
    resources = [
        {"resource": resource, "versions": list(resource.versions.order_by("-number")[:5])}
        for resource in dataset.resources.select_related("current_version")
    ]
    return render(
        request,
        "opendata/console/dataset.html",
        {
            "dataset": dataset,
            "resources": resources,
            "form": form,
            "problems": services.publication_problems(dataset),
        },
    )


@login_required
@require_POST
def dataset_state(request: HttpRequest, pk: str) -> HttpResponse:
    user = _officer(request)
    dataset = _own_dataset(user, pk)
    action = request.POST.get("action")
    try:
        if action == "publish":
            services.publish_dataset(user, dataset)
            messages.success(request, _("The dataset is published."))
        elif action == "unpublish":
            services.update_dataset(user, dataset, {"state": DatasetState.DRAFT})
            messages.success(request, _("The dataset is a draft again."))
        elif action == "delete":
            services.delete_dataset(user, dataset)
            messages.success(request, _("The dataset was deleted."))
            return redirect("opendata-console:datasets")
    except ValidationFailed as exc:
        for field_messages in exc.field_errors.values():
            for message in field_messages:
                messages.error(request, message)
    return redirect("opendata-console:dataset", pk=dataset.pk)


def _own_version(user: User, pk: int) -> ResourceVersion:
    version = ResourceVersion.objects.select_related("resource__dataset__organization").filter(pk=pk).first()
    if version is None or not selectors.can_edit(user, version.resource.dataset):
        raise Http404(_("No such version."))
    return version


@login_required
def version_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = _officer(request)
    version = _own_version(user, pk)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            if request.POST.get("form") == "review":
                decisions = {
                    finding["column"]: {
                        "action": request.POST.get(f"action-{index}", ""),
                        "justification": request.POST.get(f"justification-{index}", ""),
                    }
                    for index, finding in enumerate(version.findings)
                }
                services.review_version(user, version, decisions)
                messages.success(request, _("Your decisions were recorded and the data is loading."))
            elif request.POST.get("form") == "types":
                types = {
                    column["id"]: request.POST.get(f"type-{index}", column["type"])
                    for index, column in enumerate(version.columns)
                }
                services.set_column_types(user, version, types)
                messages.success(request, _("The column types were saved."))
            elif request.POST.get("form") == "retry":
                services.retry_version(user, version)
            return redirect("opendata-console:version", pk=version.pk)
        except ValidationFailed as exc:
            errors = exc.field_errors
            messages.error(request, str(exc.message))
        except DomainError as exc:
            messages.error(request, str(exc.message))
        version.refresh_from_db()
    findings = [
        {
            **finding,
            "index": index,
            "labels": [str(pii.KINDS.get(kind, kind)) for kind in finding["kinds"]],
            "decision": version.decisions.get(finding["column"]),
            "errors": errors.get(finding["column"], []),
            "posted_action": request.POST.get(f"action-{index}", ""),
            "posted_justification": request.POST.get(f"justification-{index}", ""),
        }
        for index, finding in enumerate(version.findings)
    ]
    return render(
        request,
        "opendata/console/version.html",
        {
            "version": version,
            "resource": version.resource,
            "dataset": version.resource.dataset,
            "findings": findings,
            "columns": list(enumerate(version.columns)),
            "types": ingest.TYPES,
            "actions": [
                ("mask", _("Mask")),
                ("drop", _("Drop the column")),
                ("justify", _("Publish as is, with a justification")),
            ],
        },
    )


@login_required
def version_progress(request: HttpRequest, pk: int) -> JsonResponse:
    user = _officer(request)
    version = _own_version(user, pk)
    return JsonResponse(
        {
            "status": version.status,
            "status_label": str(version.get_status_display()),
            "rows_loaded": version.rows_loaded,
            "rows_total": version.rows_total,
            "percent": version.progress_percent,
            "error": version.error,
        }
    )


# Usage charts ----------------------------------------------------------------------------------------------


def bar_chart(points: list[tuple[str, int]], title: str, width: int = 720, height: int = 220) -> SafeString:
    """An accessible SVG bar chart (with a <title> and <desc>; the page also shows the table)."""
    top = max([value for _, value in points] + [1])
    left, bottom, gap = 48, 28, 2
    plot_w, plot_h = width - left - 8, height - bottom - 12
    bar_w = max(2, plot_w // max(len(points), 1) - gap)
    parts = [
        f'<svg class="usage-chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(", ".join(f"{label}: {value}" for label, value in points))}</desc>',
        f'<line x1="{left}" y1="{12 + plot_h}" x2="{width - 8}" y2="{12 + plot_h}" class="axis"/>',
        f'<text x="{left - 6}" y="18" text-anchor="end" class="tick">{top}</text>',
        f'<text x="{left - 6}" y="{12 + plot_h}" text-anchor="end" class="tick">0</text>',
    ]
    for index, (label, value) in enumerate(points):
        bar_h = int(plot_h * value / top)
        x = left + index * (bar_w + gap)
        parts.append(
            f'<rect x="{x}" y="{12 + plot_h - bar_h}" width="{bar_w}" height="{bar_h}" class="bar">'
            f"<title>{escape(label)}: {value}</title></rect>"
        )
        if index % max(1, len(points) // 6) == 0:
            parts.append(f'<text x="{x}" y="{height - 8}" class="tick">{escape(label[5:])}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


@login_required
def usage_page(request: HttpRequest) -> HttpResponse:
    user = _officer(request)
    from pengcheng.opendata import usage

    usage.flush()
    days = 30
    since = timezone.localdate() - dt.timedelta(days=days - 1)
    counts = UsageCount.objects.filter(day__gte=since)
    departments = selectors.publisher_departments(user)
    scope_label = _("all datasets and calls")
    if departments is not None:
        own = [str(pk) for pk in Dataset.objects.filter(organization_id__in=departments).values_list("pk", flat=True)]
        counts = counts.filter(dataset_id__in=own)
        scope_label = _("your departments' datasets")
    per_day = dict(counts.values_list("day").annotate(total=Sum("calls")).values_list("day", "total"))
    points = [
        ((since + dt.timedelta(days=n)).isoformat(), int(per_day.get(since + dt.timedelta(days=n), 0)))
        for n in range(days)
    ]
    by_dataset: list[dict[str, Any]] = [
        dict(row)
        for row in counts.exclude(dataset_id="")
        .values("dataset_id")
        .annotate(total=Sum("calls"))
        .order_by("-total")[:15]
    ]
    titles = dict(Dataset.objects.filter(pk__in=[row["dataset_id"] for row in by_dataset]).values_list("pk", "title"))
    for row in by_dataset:
        row["title"] = titles.get(_uuid(row["dataset_id"]), row["dataset_id"])
    by_action = list(counts.values("action").annotate(total=Sum("calls")).order_by("-total")[:15])
    by_key: list[dict[str, Any]] = [
        dict(row)
        for row in counts.exclude(api_key_id=0)
        .values("api_key_id")
        .annotate(total=Sum("calls"))
        .order_by("-total")[:15]
    ]
    keys = ApiKey.objects.filter(pk__in=[row["api_key_id"] for row in by_key])
    labels = {key.pk: f"{key.name} ({key.prefix}…)" for key in keys}
    for row in by_key:
        row["label"] = labels.get(row["api_key_id"], str(row["api_key_id"]))
    return render(
        request,
        "opendata/console/usage.html",
        {
            "chart": bar_chart(points, _("API calls per day, last %(days)d days") % {"days": days}),
            "points": points,
            "total": sum(value for _, value in points),
            "by_dataset": by_dataset,
            "by_action": by_action,
            "by_key": by_key,
            "scope_label": scope_label,
        },
    )


def _uuid(value: str) -> Any:
    import uuid

    try:
        return uuid.UUID(value)
    except ValueError:
        return value
