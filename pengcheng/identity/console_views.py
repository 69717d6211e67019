"""Console pages: OpenID Connect clients and signing keys (operators), and in-person real-name
verification at a counter (clerks)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from pengcheng.core.console_views import paginate, staff_required
from pengcheng.core.errors import DomainError, NotFound, ValidationFailed
from pengcheng.core.models import AccountKind, AssuranceLevel, Role, User
from pengcheng.core.permissions import require_platform_role, require_role
from pengcheng.identity import keys, selectors, services
from pengcheng.identity.models import SCOPES, Client, SigningKey


def _scope_choices() -> list[tuple[str, str]]:
    return [(scope, f"{scope} — {label}") for scope, label in SCOPES.items()]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", " ").split() if line.strip()]


class ClientForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    redirect_uris = forms.CharField(label=_("Redirect URIs (one per line)"), widget=forms.Textarea(attrs={"rows": 3}))
    post_logout_redirect_uris = forms.CharField(
        label=_("Post-logout redirect URIs (one per line)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    public = forms.BooleanField(label=_("Public client (no secret; e.g. a mobile or browser app)"), required=False)
    allowed_scopes = forms.MultipleChoiceField(
        label=_("Allowed scopes"),
        widget=forms.CheckboxSelectMultiple,
        choices=_scope_choices,
        initial=["openid", "profile"],
    )
    required_level = forms.TypedChoiceField(
        label=_("Required real-name level"), choices=AssuranceLevel.choices, coerce=int, initial=AssuranceLevel.L1
    )
    trusted = forms.BooleanField(label=_("Trusted internal system (skips the consent screen)"), required=False)
    sector_identifier = forms.CharField(label=_("Sector (optional)"), max_length=200, required=False)


class ClientSettingsForm(forms.Form):
    redirect_uris = forms.CharField(label=_("Redirect URIs (one per line)"), widget=forms.Textarea(attrs={"rows": 3}))
    post_logout_redirect_uris = forms.CharField(
        label=_("Post-logout redirect URIs (one per line)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    allowed_scopes = forms.MultipleChoiceField(
        label=_("Allowed scopes"), widget=forms.CheckboxSelectMultiple, choices=_scope_choices
    )
    required_level = forms.TypedChoiceField(
        label=_("Required real-name level"), choices=AssuranceLevel.choices, coerce=int
    )
    trusted = forms.BooleanField(label=_("Trusted internal system (skips the consent screen)"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False)


def _apply_errors(form: forms.Form, exc: ValidationFailed) -> None:
    for field, errors in exc.field_errors.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


@staff_required
def clients(request: HttpRequest) -> HttpResponse:
    """The registered clients and the signing key ring; the registration form."""
    text = request.GET.get("q", "").strip()
    found = selectors.clients(request.user, text)
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            issued = services.register_client(
                request.user,
                name=data["name"],
                description=data["description"],
                redirect_uris=_lines(data["redirect_uris"]),
                post_logout_redirect_uris=_lines(data["post_logout_redirect_uris"]),
                public=data["public"],
                allowed_scopes=data["allowed_scopes"],
                required_level=data["required_level"],
                trusted=data["trusted"],
                sector_identifier=data["sector_identifier"],
            )
        except ValidationFailed as exc:
            _apply_errors(form, exc)
        else:
            return render(
                request, "identity/console/client_issued.html", {"client": issued.client, "secret": issued.secret}
            )
    return render(
        request,
        "identity/console/clients.html",
        {
            "page": paginate(request, found),
            "q": text,
            "form": form,
            "keys": SigningKey.objects.order_by("-active_from"),
            "signing_kid": keys.signing_key().kid,
        },
    )


@staff_required
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_platform_role(request.user, action="identity.client.view")
    client = Client.objects.filter(pk=pk).first()
    if client is None:
        raise NotFound()
    form = ClientSettingsForm(
        request.POST or None,
        initial={
            "redirect_uris": "\n".join(client.redirect_uris.split()),
            "post_logout_redirect_uris": "\n".join(client.post_logout_redirect_uris.split()),
            "allowed_scopes": client.allowed_scopes,
            "required_level": client.required_level,
            "trusted": client.skip_authorization,
            "is_active": client.is_active,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            data = dict(form.cleaned_data)
            data["redirect_uris"] = _lines(data["redirect_uris"])
            data["post_logout_redirect_uris"] = _lines(data["post_logout_redirect_uris"])
            services.update_client(request.user, client, **data)
        except ValidationFailed as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("identity-console:client", pk=client.pk)
    return render(request, "identity/console/client_detail.html", {"client": client, "form": form})


@staff_required
@require_POST
def rotate_key(request: HttpRequest) -> HttpResponse:
    key = services.rotate_signing_key(request.user)
    messages.success(
        request, _("New signing key %(kid)s published; it starts signing shortly.") % {"kid": key.kid[:12]}
    )
    return redirect("identity-console:clients")


class InPersonForm(forms.Form):
    full_name = forms.CharField(label=_("Name on the identity card"), max_length=60)
    id_number = forms.CharField(label=_("Identity number on the card"), max_length=18, min_length=18)
    method = forms.ChoiceField(
        label=_("Checked by"),
        choices=[("counter", _("Identity card checked at the counter")), ("certificate", _("Digital certificate"))],
    )


@staff_required
def realname(request: HttpRequest) -> HttpResponse:
    """Counter verification: find the citizen's account, check their card, raise it to L3."""
    require_role(request.user, Role.CLERK, action="identity.realname.search")
    text = request.GET.get("q", "").strip()
    accounts: Any = User.objects.none()
    if text:
        accounts = User.objects.filter(kind=AccountKind.CITIZEN).filter(
            Q(username=text) | Q(phone=text) | Q(id_number=text.upper())
        )[:20]
    return render(request, "identity/console/realname.html", {"q": text, "accounts": accounts})


@staff_required
def realname_verify(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, Role.CLERK, action="identity.realname.search")
    account = User.objects.filter(pk=pk, kind=AccountKind.CITIZEN).first()
    if account is None:
        raise NotFound()
    form = InPersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.verify_in_person(request.user, account, request=request, **form.cleaned_data)
        except ValidationFailed as exc:
            _apply_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("%(name)s is now verified in person (L3).") % {"name": account.display_name})
            return redirect("identity-console:realname")
    return render(request, "identity/console/realname_verify.html", {"account": account, "form": form})


@staff_required
def second_factor(request: HttpRequest, pk: int) -> HttpResponse:
    """A staff account's authenticator: whether one is enrolled, and (administrators) a reset for a
    lost phone; the person enrols again at their next sign-in."""
    require_role(request.user, Role.ADMIN, action="account.mfa_view")
    account = User.objects.filter(pk=pk).first()
    if account is None:
        raise NotFound()
    if request.method == "POST" and request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm the reset."))
    elif request.method == "POST":
        services.reset_second_factor(request.user, account, request=request)
        messages.success(
            request,
            _("The authenticator of %(name)s was removed; they enrol again at their next sign-in.")
            % {"name": account.display_name},
        )
        return redirect("identity-console:second-factor", pk=account.pk)
    return render(
        request,
        "identity/console/second_factor.html",
        {
            "account": account,
            "totp": selectors.totp_device(account),
            "codes_left": selectors.recovery_codes_left(account),
            "required": selectors.mfa_required(account),
        },
    )
