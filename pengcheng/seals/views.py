"""Seal pages: the registry and each seal's uses (console), sealing a PDF, and the public page that
validates any sealed PDF."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control

from pengcheng.core.console_views import paginate, staff_required
from pengcheng.core.errors import Conflict, ValidationFailed
from pengcheng.core.models import User
from pengcheng.seals import selectors, services
from pengcheng.seals.models import CertificateAuthority, Seal


class PdfForm(forms.Form):
    file = forms.FileField(label=_("PDF file"))


class SealPdfForm(PdfForm):
    purpose = forms.CharField(label=_("Purpose"), max_length=200)


def _read_pdf(form: PdfForm) -> bytes | None:
    upload = form.cleaned_data["file"]
    if upload.size > services.MAX_PDF_BYTES:
        form.add_error("file", _("The file is larger than %(n)s MB.") % {"n": services.MAX_PDF_BYTES // 1048576})
        return None
    return cast(bytes, upload.read())


@staff_required
def registry(request: HttpRequest) -> HttpResponse:
    seals = selectors.registry(request.user)
    departments = selectors.sealable_departments(request.user)
    if request.method == "POST":
        department = departments.filter(code=request.POST.get("department", "")).first()
        if department is None:
            raise Http404
        seal = services.create_seal(request.user, department, name=request.POST.get("name", ""))
        messages.success(request, _("Seal %(name)s created.") % {"name": seal.name})
        return redirect("seals:detail", pk=seal.pk)
    return render(request, "seals/registry.html", {"page": paginate(request, seals), "departments": departments})


def _seal_for(request: HttpRequest, pk: int) -> Seal:
    seal = selectors.registry(request.user).filter(pk=pk).first()
    if seal is None:
        raise Http404
    return seal


@staff_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    seal = _seal_for(request, pk)
    form = SealPdfForm(request.POST or None, request.FILES or None) if "seal" in request.POST else SealPdfForm()
    if request.method == "POST" and "users" in request.POST:
        names = [n.strip() for n in request.POST.get("users", "").replace("，", ",").split(",") if n.strip()]
        users = list(User.objects.filter(username__in=names))
        unknown = sorted(set(names) - {u.username for u in users})
        if unknown:
            messages.error(request, _("Unknown accounts: %(names)s") % {"names": ", ".join(unknown)})
        else:
            services.set_authorised_users(request.user, seal, users)
            messages.success(request, _("Authorised users saved."))
        return redirect("seals:detail", pk=seal.pk)
    if request.method == "POST" and "revoke" in request.POST:
        try:
            services.revoke_seal(request.user, seal, request.POST.get("reason", ""))
        except (Conflict, ValidationFailed) as exc:
            messages.error(request, str(exc.message))
        return redirect("seals:detail", pk=seal.pk)
    if request.method == "POST" and form.is_valid():
        content = _read_pdf(form)
        if content is not None:
            upload = form.cleaned_data["file"]
            try:
                sealed = services.seal_pdf(
                    request.user, seal, content, document_name=upload.name, purpose=form.cleaned_data["purpose"]
                )
            except (ValidationFailed, Conflict) as exc:
                errors = exc.field_errors if isinstance(exc, ValidationFailed) else {"file": [str(exc.message)]}
                for problems in errors.values():
                    for problem in problems:
                        form.add_error("file", problem)
            else:
                response = HttpResponse(sealed, content_type="application/pdf")
                stem = upload.name.rsplit(".", 1)[0]
                response["Content-Disposition"] = f'attachment; filename="{stem}-sealed.pdf"'
                return response
    return render(
        request,
        "seals/detail.html",
        {
            "seal": seal,
            "form": form,
            "uses": paginate(request, selectors.seal_uses(seal), 30),
            "may_use": services.may_use(request.user, seal),
            "users": ", ".join(seal.authorised_users.values_list("username", flat=True)),
            "may_manage": selectors.sealable_departments(request.user).filter(pk=seal.department_id).exists(),
        },
    )


@cache_control(public=True, max_age=86400)
def image(request: HttpRequest, pk: int) -> HttpResponse:
    """The seal's image (public: it is printed on every sealed document anyway)."""
    seal = Seal.objects.filter(pk=pk).first()
    if seal is None:
        raise Http404
    return HttpResponse(bytes(seal.image_png), content_type="image/png")


def verify(request: HttpRequest) -> HttpResponse:
    """Public: upload any PDF; every signature is validated with pyHanko against the platform CA."""
    if request.method == "POST" and int(request.META.get("CONTENT_LENGTH") or 0) > services.MAX_PDF_BYTES + 65536:
        problem = _("The file is larger than %(n)s MB.") % {"n": services.MAX_PDF_BYTES // 1048576}
        return render(request, "seals/verify.html", {"form": PdfForm(), "problems": [problem]}, status=413)
    form = PdfForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        content = _read_pdf(form)
        if content is not None:
            try:
                context["report"] = services.validate_pdf(content)
            except ValidationFailed as exc:
                for problems in exc.field_errors.values():
                    for problem in problems:
                        form.add_error("file", problem)
    return render(request, "seals/verify.html", context)


@cache_control(public=True, max_age=86400)
def ca_certificate(request: HttpRequest) -> HttpResponse:
    """The platform's seal root certificate(s), to add as a trust anchor in a PDF reader."""
    pems = "".join(ca.certificate_pem for ca in CertificateAuthority.objects.all())
    if not pems:
        services.certificate_authority()
        pems = "".join(ca.certificate_pem for ca in CertificateAuthority.objects.all())
    response = HttpResponse(pems, content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="pengcheng-seal-root.pem"'
    return response
