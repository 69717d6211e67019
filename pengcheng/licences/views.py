"""Licence pages: the wallet (citizens and companies), public verification, published keys and
status lists, and the staff console. Business rules live in services; these views translate HTTP."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, cast

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from pengcheng.audit.services import client_ip
from pengcheng.core.console_views import staff_required
from pengcheng.core.errors import Conflict, NotFound, ValidationFailed
from pengcheng.core.models import Department, User
from pengcheng.core.permissions import require_department
from pengcheng.core.selectors import acting_company
from pengcheng.licences import keys, selectors, services
from pengcheng.licences.models import Licence, LicenceState, LicenceType, LicenceUse, Share, StatusPurpose
from pengcheng.licences.printout import print_licence
from pengcheng.licences.verifier import MAX_TOKEN_CHARS

MAX_QR_CHARS = 2900  # a version-40 QR code at error level L carries 2,953 bytes


def _holder(request: HttpRequest) -> services.Holder | None:
    return selectors.holder_of(cast(User, request.user), acting_company(request))


def _qr_svg(data: str) -> str:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_L, border=4)
    code.add_data(data)
    code.make(fit=True)
    image = code.make_image(image_factory=qrcode.image.svg.SvgPathImage)
    svg = image.to_string(encoding="unicode")
    return str(svg)


# Wallet ----------------------------------------------------------------------------------------------


@login_required
def wallet(request: HttpRequest) -> HttpResponse:
    holder = _holder(request)
    licences = list(selectors.wallet(holder)) if holder else []
    return render(
        request,
        "licences/wallet.html",
        {"holder": holder, "licences": licences, "company": acting_company(request)},
    )


class ShareForm(forms.Form):
    claims = forms.MultipleChoiceField(label=_("What to show"), widget=forms.CheckboxSelectMultiple)
    mode = forms.ChoiceField(
        label=_("The QR code carries"),
        choices=[
            ("link", _("A verification link (short; needs the verifier online)")),
            ("credential", _("The credential itself (verifiable offline)")),
        ],
        initial="link",
        widget=forms.RadioSelect,
    )
    minutes = forms.TypedChoiceField(
        label=_("Valid for"),
        coerce=int,
        choices=[(5, _("5 minutes")), (30, _("30 minutes")), (1440, _("1 day")), (10080, _("7 days"))],
        initial=30,
    )
    purpose = forms.CharField(label=_("Purpose (optional)"), max_length=200, required=False)

    def __init__(self, *args: Any, licence: Licence, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        titles = licence.licence_type.field_titles()
        field = cast(forms.MultipleChoiceField, self.fields["claims"])
        field.choices = [(name, claim_title(name, titles)) for name in services.shareable_claims(licence)]


CLAIM_TITLES = {
    "holderName": _("Holder"),
    "holderIdentifier": _("Holder's identity number / credit code"),
    "licenceNumber": _("Licence number"),
    "licenceType": _("Licence type"),
}


def claim_title(name: str, titles: dict[str, str]) -> str:
    if name.startswith("ageEqualOrOver."):
        return str(_("Age %(n)s or over (yes/no only)") % {"n": name.split(".", 1)[1]})
    return str(CLAIM_TITLES.get(name) or titles.get(name, name))


def _wallet_licence(request: HttpRequest, pk: Any) -> Licence:
    holder = _holder(request)
    licence = selectors.wallet_licence(holder, pk) if holder else None
    if licence is None:
        raise Http404
    return licence


@login_required
def wallet_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    licence = _wallet_licence(request, pk)
    form = ShareForm(request.POST or None, licence=licence, initial={"claims": ["holderName", "licenceNumber"]})
    if request.method == "POST" and form.is_valid():
        try:
            share = services.create_share(
                request.user,
                licence,
                form.cleaned_data["claims"],
                purpose=form.cleaned_data["purpose"],
                minutes=form.cleaned_data["minutes"],
            )
        except (ValidationFailed, Conflict) as exc:
            form.add_error(None, str(exc.message))
        else:
            return redirect(
                f"{reverse('licences:share', args=[licence.pk, share.code])}?mode={form.cleaned_data['mode']}"
            )
    titles = licence.licence_type.field_titles()
    return render(
        request,
        "licences/wallet_detail.html",
        {
            "licence": licence,
            "card": [
                (titles.get(name, name), licence.data.get(name, "")) for name in licence.licence_type.card_fields()
            ],
            "form": form,
            "uses": licence.uses.all()[:20],
        },
    )


@login_required
def share(request: HttpRequest, pk: Any, code: str) -> HttpResponse:
    licence = _wallet_licence(request, pk)
    found = get_object_or_404(Share, licence=licence, code=code)
    mode = request.GET.get("mode", "link")
    link = request.build_absolute_uri(reverse("licences:shared", args=[found.code]))
    payload = found.presentation if mode == "credential" else link
    too_long = len(payload) > MAX_QR_CHARS
    titles = licence.licence_type.field_titles()
    return render(
        request,
        "licences/share.html",
        {
            "licence": licence,
            "share": found,
            "mode": mode,
            "link": link,
            "payload": payload,
            "qr": "" if too_long else mark_safe(_qr_svg(payload)),  # the SVG is generated by qrcode, not user markup
            "too_long": too_long,
            "claims": [claim_title(name, titles) for name in found.claims],
        },
    )


@login_required
def uses(request: HttpRequest) -> HttpResponse:
    holder = _holder(request)
    items = selectors.uses_for_holder(holder) if holder else LicenceUse.objects.none()
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    return render(request, "licences/uses.html", {"page": page, "holder": holder})


@login_required
@require_POST
def printout(request: HttpRequest, pk: Any) -> HttpResponse:
    licence = _wallet_licence(request, pk)
    content = print_licence(request.user, licence, link_base=request.build_absolute_uri("/")[:-1])
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{licence.number}.pdf"'
    return response


# Verification ----------------------------------------------------------------------------------------


class VerifyForm(forms.Form):
    credential = forms.CharField(
        label=_("Credential, QR code text or verification link"),
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocomplete": "off"}),
        max_length=MAX_TOKEN_CHARS,
    )
    purpose = forms.CharField(label=_("Purpose of the check (recorded for the holder)"), max_length=200, required=False)


def _verification_context(verification: services.Verification) -> dict[str, Any]:
    result = verification.result
    titles = verification.field_titles
    subject = result.subject
    rows: list[tuple[str, str]] = []
    for name, value in subject.items():
        if isinstance(value, dict):
            rows.extend((claim_title(f"{name}.{k}", titles), _yes_no(v)) for k, v in value.items())
        else:
            rows.append((claim_title(name, titles), str(value)))
    return {"verification": verification, "result": result, "rows": rows}


def _yes_no(value: Any) -> str:
    return str(_("Yes")) if value is True else str(_("No")) if value is False else str(value)


def verify(request: HttpRequest) -> HttpResponse:
    """Public: paste or scan a credential, a QR payload or a link → the outcome with its reason."""
    data = request.POST if request.method == "POST" else (request.GET if "credential" in request.GET else None)
    if data is not None and len(data.get("credential", "")) > MAX_TOKEN_CHARS:
        problem = _("The text is too long to be a credential (%(n)s characters at most).") % {"n": MAX_TOKEN_CHARS}
        return render(request, "licences/verify.html", {"form": VerifyForm(), "problems": [problem]}, status=413)
    form = VerifyForm(data)
    context: dict[str, Any] = {"form": form}
    if data is not None and form.is_valid():
        try:
            verification = services.verify(
                form.cleaned_data["credential"],
                actor=request.user,
                purpose=form.cleaned_data["purpose"],
                ip_address=client_ip(request),
            )
        except ValidationFailed as exc:
            for messages_ in exc.field_errors.values():
                for message in messages_:
                    form.add_error("credential", message)
        else:
            context.update(_verification_context(verification))
    return render(request, "licences/verify.html", context)


def shared(request: HttpRequest, code: str) -> HttpResponse:
    """A share link opened by a verifier: the holder's presentation, verified now."""
    link = request.build_absolute_uri(reverse("licences:shared", args=[code]))
    try:
        verification = services.verify(link, actor=request.user, ip_address=client_ip(request))
    except ValidationFailed as exc:
        problems = [m for ms in exc.field_errors.values() for m in ms]
        return render(request, "licences/verify.html", {"form": VerifyForm(), "problems": problems}, status=404)
    return render(request, "licences/verify.html", {"form": VerifyForm(), **_verification_context(verification)})


# Published data (no authentication) ------------------------------------------------------------------


def _department(code: str) -> Department:
    department = Department.objects.filter(code=code).first()
    if department is None or not department.issuer_keys.exists():
        raise Http404
    return department


@cache_control(public=True, max_age=300)
def did_json(request: HttpRequest, code: str) -> JsonResponse:
    return JsonResponse(
        keys.did_document(_department(code)),
        json_dumps_params={"ensure_ascii": False},
        content_type="application/did+json",
    )


@cache_control(public=True, max_age=300)
def jwks_json(request: HttpRequest, code: str) -> JsonResponse:
    return JsonResponse(keys.jwks(_department(code)), content_type="application/jwk-set+json")


@cache_control(public=True, max_age=60)
def status_list(request: HttpRequest, code: str, purpose: str) -> HttpResponse:
    if purpose not in StatusPurpose.values:
        raise Http404
    try:
        token = services.status_list_token(code, purpose)
    except NotFound:
        raise Http404 from None
    return HttpResponse(token, content_type="application/vc+jwt")


@cache_control(public=True, max_age=60)
def trust_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(selectors.trust_bundle(), json_dumps_params={"ensure_ascii": False})


@cache_control(public=True, max_age=3600)
def type_schema(request: HttpRequest, code: str) -> JsonResponse:
    licence_type = get_object_or_404(LicenceType, code=code)
    return JsonResponse(
        licence_type.schema, json_dumps_params={"ensure_ascii": False}, content_type="application/schema+json"
    )


@cache_control(public=True, max_age=86400)
def context_v1(request: HttpRequest) -> JsonResponse:
    """The JSON-LD context for Pengcheng's licence terms (credentialSubject claims are @vocab terms)."""
    vocab = request.build_absolute_uri(reverse("licences:context")) + "#"
    return JsonResponse({"@context": {"@protected": False, "@vocab": vocab}}, content_type="application/ld+json")


def types_catalogue(request: HttpRequest) -> HttpResponse:
    return render(request, "licences/types.html", {"types": selectors.active_types()})


# Console ---------------------------------------------------------------------------------------------


@staff_required
def console(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "").strip()
    type_code = request.GET.get("type", "")
    state = request.GET.get("state", "")
    sort = request.GET.get("sort", "-issued_at")
    licences = selectors.search_licences(request.user, text=text, type_code=type_code, state=state, sort=sort)
    return render(
        request,
        "licences/console/list.html",
        {
            "page": Paginator(licences, 25).get_page(request.GET.get("page")),
            "q": text,
            "type": type_code,
            "state": state,
            "sort": sort,
            "types": selectors.issuable_types(request.user),
            "states": [*LicenceState.choices, ("expired", pgettext_lazy("licence status", "Expired"))],
        },
    )


def _schema_form(licence_type: LicenceType, data: Any = None) -> forms.Form:
    """A form built from the type's JSON Schema (titles, enums, dates, numbers)."""
    form = forms.Form(data)
    form.fields["holder_identifier"] = forms.CharField(
        label=_("Identity number") if licence_type.holder_kind == "person" else _("Unified social credit code"),
        max_length=18,
    )
    form.fields["holder_name"] = forms.CharField(label=_("Holder's name"), max_length=200)
    required = set(licence_type.schema.get("required", []))
    for name, spec in licence_type.schema.get("properties", {}).items():
        title, is_required = spec.get("title", name), name in required
        field: forms.Field
        if "enum" in spec:
            field = forms.ChoiceField(
                label=title, required=is_required, choices=[("", "—"), *[(v, v) for v in spec["enum"]]]
            )
        elif spec.get("format") == "date":
            field = forms.CharField(label=title, required=is_required, widget=forms.DateInput(attrs={"type": "date"}))
        elif spec.get("type") == "number":
            field = forms.DecimalField(label=title, required=is_required)
        else:
            field = forms.CharField(label=title, required=is_required, max_length=spec.get("maxLength", 500))
        form.fields[f"data_{name}"] = field
    if licence_type.validity_editable:
        form.fields["valid_until"] = forms.DateField(
            label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
        )
    return form


@staff_required
def issue(request: HttpRequest) -> HttpResponse:
    types = selectors.issuable_types(request.user)
    licence_type = types.filter(code=request.GET.get("type") or request.POST.get("type", "")).first()
    if licence_type is None:
        return render(request, "licences/console/issue.html", {"types": types})
    form = _schema_form(licence_type, request.POST or None)
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        data = {
            name[5:]: (float(v) if hasattr(v, "as_tuple") else v)
            for name, v in cleaned.items()
            if name.startswith("data_") and v not in ("", None)
        }
        until = cleaned.get("valid_until")
        holder = services.Holder(
            licence_type.holder_kind, cleaned["holder_identifier"].strip().upper(), cleaned["holder_name"].strip()
        )
        try:
            licence = services.issue_licence(
                request.user,
                licence_type,
                holder,
                data,
                valid_until=dt.datetime.combine(until, dt.time.max, tzinfo=timezone.get_current_timezone())
                if until
                else None,
            )
        except ValidationFailed as exc:
            for field_name, errors in exc.field_errors.items():
                target = (
                    f"data_{field_name}"
                    if f"data_{field_name}" in form.fields
                    else (
                        "holder_identifier"
                        if field_name == "holder"
                        else field_name
                        if field_name in form.fields
                        else None
                    )
                )
                for error in errors:
                    form.add_error(target, error)
        else:
            messages.success(request, _("Licence %(number)s issued.") % {"number": licence.number})
            return redirect("licences:console-detail", pk=licence.pk)
    return render(request, "licences/console/issue.html", {"types": types, "licence_type": licence_type, "form": form})


class ImportForm(forms.Form):
    type = forms.ModelChoiceField(label=_("Licence type"), queryset=LicenceType.objects.none(), to_field_name="code")
    file = forms.FileField(label=_("CSV file (UTF-8 or GB18030)"))


@staff_required
def import_view(request: HttpRequest) -> HttpResponse:
    types = selectors.issuable_types(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    cast(forms.ModelChoiceField, form.fields["type"]).queryset = types
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > services.MAX_IMPORT_BYTES:
            form.add_error("file", _("The file is larger than %(n)s MB.") % {"n": services.MAX_IMPORT_BYTES // 1048576})
        else:
            try:
                result = services.import_licences(
                    request.user, form.cleaned_data["type"], upload.read(), filename=upload.name
                )
            except ValidationFailed as exc:
                for errors in exc.field_errors.values():
                    for error in errors:
                        form.add_error("file", error)
    template_type = types.filter(code=request.GET.get("template", "")).first()
    if template_type is not None:
        response = HttpResponse(services.import_template(template_type), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{template_type.code}-template.csv"'
        return response
    return render(request, "licences/console/import.html", {"form": form, "result": result, "types": types})


class StateForm(forms.Form):
    state = forms.ChoiceField(label=_("New status"), choices=LicenceState.choices)
    reason = forms.CharField(label=_("Reason (the holder sees it)"), max_length=300)


@staff_required
def console_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    licence = selectors.search_licences(request.user).filter(pk=pk).first()
    if licence is None:
        raise Http404
    form = StateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_state(request.user, licence, form.cleaned_data["state"], form.cleaned_data["reason"])
        except (Conflict, ValidationFailed) as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Status changed."))
            return redirect("licences:console-detail", pk=licence.pk)
    titles = licence.licence_type.field_titles()
    return render(
        request,
        "licences/console/detail.html",
        {
            "licence": licence,
            "rows": [(titles.get(k, k), v) for k, v in licence.data.items()],
            "form": form,
            "uses": licence.uses.all()[:50],
            "credential_json": json.dumps(
                services.platform_verifier.verify(licence.credential).credential, ensure_ascii=False, indent=2
            ),
        },
    )


@staff_required
def issuer_keys(request: HttpRequest) -> HttpResponse:
    departments = selectors.managed_departments(request.user)
    if request.method == "POST":
        department = get_object_or_404(Department, code=request.POST.get("department", ""))
        require_department(request.user, department.pk, "supervisor", action="licences.rotate_key", target=department)
        new = services.rotate_key(request.user, department)
        messages.success(request, _("New signing key: %(kid)s") % {"kid": new.kid})
        return redirect("licences:keys")
    return render(
        request,
        "licences/console/keys.html",
        {"departments": [(d, selectors.issuer_keys(d)) for d in departments]},
    )
