"""Identity pages: the OpenID Connect endpoints (django-oauth-toolkit views, adapted), consent,
the real-name upgrade, the second factor, and the account's applications and sessions."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any, cast
from urllib.parse import unquote

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from oauth2_provider import views as oauth_views
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.models import AccessToken
from oauth2_provider.settings import oauth2_settings

from pengcheng.core.errors import DomainError, ValidationFailed
from pengcheng.core.models import User
from pengcheng.core.selectors import acting_company
from pengcheng.identity import keys, mfa, oauth, selectors, services
from pengcheng.identity.models import SCOPES, Client

# OpenID Connect endpoints --------------------------------------------------------------------------


class AuthorizationView(oauth_views.AuthorizationView):
    """The authorization endpoint. Before DOT's consent form: an L1 user facing a client that needs
    L2 or more is sent to verify first; a trusted client, or one the user already allowed for these
    scopes, skips the form. Every decision is recorded (consent, company acted for, audit)."""

    template_name = "identity/authorize.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError:
            return super().get(request, *args, **kwargs)  # DOT renders or redirects the error
        client = Client.objects.get(client_id=credentials["client_id"])
        user = cast(User, request.user)
        prompt = set(request.GET.get("prompt", "").split())
        if user.assurance_level < client.required_level:
            if "none" in prompt:
                return self._error_redirect(credentials, client, "interaction_required")
            return redirect(reverse("identity:verify") + "?" + urlencode({"next": request.get_full_path()}))
        consent = selectors.consent_for(user, client)
        remembered = consent is not None and consent.covers(scopes)
        if (client.skip_authorization or remembered) and "consent" not in prompt and "login" not in prompt:
            if "ui_locales" in credentials and isinstance(credentials["ui_locales"], list):
                credentials["ui_locales"] = " ".join(credentials["ui_locales"])
            try:
                uri, _headers, _body, _status = self.create_authorization_response(
                    request=request, scopes=" ".join(scopes), credentials=credentials, allow=True
                )
            except OAuthToolkitError as error:
                return self.error_response(error, client)
            services.record_authorization(
                user, client, scopes, company=acting_company(request), request=request, by_consent=False
            )
            return self.redirect(uri, client)
        if "none" in prompt:
            return self._error_redirect(credentials, client, "consent_required")
        return super().get(request, *args, **kwargs)

    def _error_redirect(self, credentials: dict[str, Any], client: Client, error: str) -> HttpResponse:
        params = {"error": error}
        if credentials.get("state"):
            params["state"] = credentials["state"]
        uri = credentials["redirect_uri"]
        return self.redirect(uri + ("&" if "?" in uri else "?") + urlencode(params), client)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        client = context.get("application")
        if client is not None:
            context["scope_items"] = [(scope, SCOPES.get(scope, scope)) for scope in context.get("scopes", [])]
            context["acting_company"] = acting_company(self.request)
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        client = Client.objects.filter(client_id=form.cleaned_data.get("client_id")).first()
        if client is None or response.status_code not in (301, 302):
            return response
        user = cast(User, self.request.user)
        scopes = form.cleaned_data.get("scope", "").split()
        if form.cleaned_data.get("allow"):
            services.record_authorization(
                user, client, scopes, company=acting_company(self.request), request=self.request, by_consent=True
            )
        else:
            from pengcheng.audit.services import record as audit

            audit(
                user,
                "identity.consent_denied",
                client,
                summary=client.name,
                data={"scopes": scopes},
                request=self.request,
            )
        return response


class TokenView(oauth_views.TokenView):
    """DOT's token endpoint, in one transaction, and without its ``app_authorized`` signal (which
    looks the new token up again only to announce it; the validator audits the grant as it saves
    the tokens)."""

    @method_decorator(sensitive_post_parameters("client_secret", "code", "code_verifier", "refresh_token"))
    def authorization_flow_token_response(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # One transaction for the whole exchange: the ID token, the access and refresh tokens, the
        # audit record and the spent code commit together, at the cost of one commit instead of three.
        noted = oauth.spent_code_presented.set(None)
        try:
            with transaction.atomic():
                _url, headers, body, status = self.create_token_response(request)
                if status != 200 and request.POST.get("grant_type") == "authorization_code":
                    # An error found after the tokens were written (the code spent meanwhile by a
                    # concurrent exchange) must leave none of them behind. Not for refresh tokens: a
                    # reused one is refused *and* its family revoked, and that revocation must stay.
                    transaction.set_rollback(True)
            spent = oauth.spent_code_presented.get()
        finally:
            oauth.spent_code_presented.reset(noted)
        if spent is not None and status != 200:
            # A spent code presented again: whoever holds it may have stolen it, so the tokens it
            # already issued are revoked (RFC 6749 §4.1.2), after the rollback above.
            services.revoke_replayed_code_tokens(*spent, ip_address=request.META.get("REMOTE_ADDR", ""))
        # Every token endpoint answer is JSON (RFC 6749 §5.1, §5.2), errors raised late included.
        response = HttpResponse(content=body, status=status, content_type="application/json")
        for name, value in headers.items():
            response[name] = value
        return response


class DiscoveryView(oauth_views.ConnectDiscoveryInfoView):
    """OpenID Provider Metadata, with the endpoints and choices DOT leaves out."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        data = json.loads(response.content)
        data.update(
            {
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "response_modes_supported": ["query"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
                "revocation_endpoint": request.build_absolute_uri(reverse("oauth2_provider:revoke-token")),
                "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
                "introspection_endpoint": request.build_absolute_uri(reverse("oauth2_provider:introspect")),
                "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "ui_locales_supported": ["zh-CN", "en"],
                "claims_parameter_supported": False,
                "request_parameter_supported": False,
            }
        )
        out = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
        out["Access-Control-Allow-Origin"] = "*"
        return out


class JwksView(oauth_views.JwksInfoView):
    """The published keys from the key ring: the signing key and those still verifying tokens."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = JsonResponse(keys.jwks())
        response["Access-Control-Allow-Origin"] = "*"
        age = min(oauth2_settings.OIDC_JWKS_MAX_AGE_SECONDS, 300)
        response["Cache-Control"] = f"public, max-age={age}"
        return response


def _basic_client_id(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            return unquote(base64.b64decode(header[6:]).decode().split(":", 1)[0])
        except (ValueError, UnicodeDecodeError):
            return ""
    return request.POST.get("client_id", "")


@method_decorator(csrf_exempt, name="dispatch")
class IntrospectView(oauth_views.IntrospectTokenView):
    """RFC 7662 introspection for the client that holds the token: another client's token is
    reported inactive, and the subject is the caller's pairwise ``sub``, never a user name."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        value = request.POST.get("token")
        if not value:
            return JsonResponse({"error": "invalid_request", "error_description": "token is missing"}, status=400)
        checksum = hashlib.sha256(value.encode()).hexdigest()
        token = AccessToken.objects.select_related("user", "application").filter(token_checksum=checksum).first()
        caller = _basic_client_id(request)
        if token is None or not token.is_valid() or token.application is None or token.application.client_id != caller:
            return JsonResponse({"active": False})
        data: dict[str, Any] = {
            "active": True,
            "scope": token.scope,
            "client_id": caller,
            "token_type": "Bearer",
            "exp": int(token.expires.timestamp()),
            "iat": int(token.created.timestamp()),
            "iss": oauth2_settings.oidc_issuer(request),
        }
        if token.user is not None:
            data["sub"] = selectors.pairwise_sub(cast(User, token.user), cast(Client, token.application))
        return JsonResponse(data)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return JsonResponse({"error": "invalid_request", "error_description": "use POST (RFC 7662)"}, status=405)


# Real-name upgrade ---------------------------------------------------------------------------------


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


class RealNameForm(forms.Form):
    full_name = forms.CharField(label=_("Name (as on your identity card)"), max_length=60)
    id_number = forms.CharField(label=_("Identity number"), max_length=18, min_length=18)


def _apply_errors(form: forms.Form, exc: ValidationFailed) -> None:
    for field, errors in exc.field_errors.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """Raise the account to L2 by checking name and identity number with the population registry."""
    user = cast(User, request.user)
    next_url = _safe_next(request, reverse("account"))
    form = RealNameForm(request.POST or None, initial={"full_name": user.full_name})
    if request.method == "POST" and form.is_valid():
        try:
            services.upgrade_to_l2(
                user,
                full_name=form.cleaned_data["full_name"],
                id_number=form.cleaned_data["id_number"],
                request=request,
            )
        except ValidationFailed as exc:
            _apply_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Your real name is verified (L2)."))
            return HttpResponseRedirect(next_url)
    return render(request, "identity/verify.html", {"form": form, "next": next_url, "account": user})


# Second factor -------------------------------------------------------------------------------------


class CodeForm(forms.Form):
    token = forms.CharField(
        label=pgettext_lazy("MFA", "Code"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _locked(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/locked_out.html", status=429)


@never_cache
def second_factor(request: HttpRequest) -> HttpResponse:
    """Ask for the authenticator (or a recovery) code: after the password, or before the console
    when a signed-in session has not given one."""
    pending, next_url = mfa.pending_user(request)
    user = pending or (cast(User, request.user) if request.user.is_authenticated else None)
    if user is None:
        return redirect("login")
    next_url = _safe_next(request, next_url or reverse("after-login"))
    if selectors.totp_device(user) is None:
        return redirect(reverse("identity:mfa-enrol") + "?" + urlencode({"next": next_url}))
    form = CodeForm(request.POST or None)
    if services.is_locked(request, user):
        return _locked(request)
    if request.method == "POST" and form.is_valid():
        device = services.check_second_factor(user, form.cleaned_data["token"], request)
        if device is not None:
            if pending is not None:
                mfa.complete_login(request, user, device)
            else:
                from django_otp import login as otp_login

                otp_login(request, device)
            return HttpResponseRedirect(next_url)
        if services.is_locked(request, user):
            return _locked(request)
        form.add_error("token", _("That code is not right."))
    return render(request, "identity/second_factor.html", {"form": form, "next": next_url})


@never_cache
def mfa_enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code, confirm with a code, keep the recovery codes."""
    pending, next_url = mfa.pending_user(request)
    user = pending or (cast(User, request.user) if request.user.is_authenticated else None)
    if user is None:
        return redirect("login")
    next_url = _safe_next(request, next_url or reverse("identity:security"))
    if services.is_locked(request, user):
        return _locked(request)
    device = selectors.totp_device(user, confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        try:
            confirmed, codes = services.confirm_totp_enrolment(user, form.cleaned_data["token"], request)
        except ValidationFailed as exc:
            _apply_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            if pending is not None:
                mfa.complete_login(request, user, confirmed)
            else:
                from django_otp import login as otp_login

                otp_login(request, confirmed)
            return render(request, "identity/recovery_codes.html", {"codes": codes, "next": next_url})
    if device is None or request.method == "GET":
        device = services.begin_totp_enrolment(user)
    return render(
        request,
        "identity/mfa_enrol.html",
        {
            "form": form,
            "next": next_url,
            "qr": mfa.qr_svg(device),
            "secret": mfa.base32_secret(device),
            "required": selectors.mfa_required(user),
        },
    )


@login_required
def security(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    return render(
        request,
        "identity/security.html",
        {
            "device": selectors.totp_device(user),
            "codes_left": selectors.recovery_codes_left(user),
            "required": selectors.mfa_required(user),
        },
    )


@login_required
@require_POST
def renew_recovery_codes(request: HttpRequest) -> HttpResponse:
    codes = services.regenerate_recovery_codes(cast(User, request.user), request)
    return render(request, "identity/recovery_codes.html", {"codes": codes, "next": reverse("identity:security")})


# Authorised applications and sessions ------------------------------------------------------------


@login_required
def applications(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    consents = list(selectors.authorised_applications(user))
    for consent in consents:
        consent.scope_labels = [SCOPES.get(scope, scope) for scope in consent.scopes]  # type: ignore[attr-defined]
    return render(request, "identity/applications.html", {"consents": consents})


@login_required
@require_POST
def revoke_application(request: HttpRequest, pk: int) -> HttpResponse:
    client = services.revoke_consent(cast(User, request.user), pk, request)
    messages.success(request, _("%(client)s can no longer use your account.") % {"client": client.name})
    return redirect("identity:applications")


@login_required
def sessions(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    counts = selectors.live_token_counts(user)
    clients = Client.objects.filter(pk__in=counts).order_by("name")
    return render(
        request,
        "identity/sessions.html",
        {
            "sessions": selectors.active_sessions(user),
            "current_key": request.session.session_key,
            "clients": [(client, counts[client.pk]) for client in clients],
        },
    )


@login_required
@require_POST
def end_session(request: HttpRequest, pk: int) -> HttpResponse:
    services.sign_out_session(cast(User, request.user), pk, request)
    messages.success(request, _("That session has been signed out."))
    return redirect("identity:sessions")


@login_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    ended, revoked = services.sign_out_everywhere(user, request)
    logout(request)
    messages.success(
        request,
        _("Signed out of %(sessions)d session(s); %(tokens)d application token(s) revoked.")
        % {"sessions": ended, "tokens": revoked},
    )
    return redirect("login")
