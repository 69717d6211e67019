"""Portal and account pages. Business rules live in services; these views translate HTTP."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from pengcheng.core import agent_powers, login_steps, selectors, services
from pengcheng.core.context_processors import ELDER_COOKIE
from pengcheng.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from pengcheng.core.models import AgentRole, User
from pengcheng.core.permissions import is_staff_member, scope_of


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"counts": selectors.population_counts()})


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 when it does not (for load balancers and monitors)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return JsonResponse({"status": "unavailable", "database": "error", "detail": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or request.META.get("HTTP_REFERER") or fallback
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


@require_POST
def toggle_elder_mode(request: HttpRequest) -> HttpResponse:
    """Switch elder-friendly mode (适老化) on or off; remembered in this browser for a year."""
    enabled = request.POST.get("elder") == "1"
    response = HttpResponseRedirect(_safe_next(request, reverse("home")))
    response.set_cookie(
        ELDER_COOKIE, "1" if enabled else "0", max_age=365 * 24 * 3600, samesite="Lax", secure=request.is_secure()
    )
    return response


class RegistrationForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    full_name = forms.CharField(label=_("Real name"), max_length=60, required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=11, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password_again = forms.CharField(
        label=_("Password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        # Report taken names and bad numbers together with the form's own errors.
        problems = services.registration_problems(self.data.get("username", ""), self.data.get("phone", ""))
        for field, errors in problems.items():
            for error in errors:
                if field not in self.errors:
                    self.add_error(field, error)
        return data


def register(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.register_citizen(
                username=data["username"],
                password=data["password"],
                full_name=data["full_name"],
                phone=data["phone"],
                email=data["email"],
            )
        except ValidationFailed as exc:
            for field, errors in exc.field_errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your account is ready."))
            return redirect("account")
    return render(request, "registration/register.html", {"form": form})


class LoginView(auth_views.LoginView):
    """Django's login form, followed by any registered login steps (see ``login_steps``)."""

    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        step = login_steps.run(self.request, form.get_user(), self.get_success_url())
        return step if step is not None else super().form_valid(form)


@login_required
def after_login(request: HttpRequest) -> HttpResponse:
    """Staff land in the console, everyone else on their account page."""
    return redirect("console:home" if is_staff_member(request.user) else "account")


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    grants = list(selectors.active_agent_grants(user))
    return render(
        request,
        "core/account.html",
        {
            "account": user,
            "positions": selectors.positions_of(user),
            "grants": grants,
            # Companies whose agents the user manages (经办人管理), as their legal representative.
            "represented": [grant for grant in grants if grant.role == AgentRole.LEGAL_REPRESENTATIVE],
            "acting_company": selectors.acting_company(request),
            "roles": sorted(scope_of(user).roles),
        },
    )


@login_required
@require_POST
def choose_acting_company(request: HttpRequest) -> HttpResponse:
    """Act for one of the companies the user is authorised for, or as themself (empty value)."""
    user: User = request.user  # type: ignore[assignment]
    company_id = request.POST.get("company", "")
    if not company_id:
        request.session.pop(selectors.ACTING_COMPANY_SESSION_KEY, None)
        messages.info(request, _("You now act for yourself."))
    else:
        grant = selectors.active_agent_grants(user).filter(company_id=company_id).first()
        if grant is None:
            messages.error(request, _("You are not authorised to act for that company."))
        else:
            request.session[selectors.ACTING_COMPANY_SESSION_KEY] = grant.company_id
            messages.success(request, _("You now act for %(company)s.") % {"company": grant.company.name})
    return redirect("account")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        from pengcheng.api import error_envelope

        return error_envelope(404, f"No API endpoint at {request.path}.")
    return render(request, "404.html", status=404)


def api_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    from pengcheng.api import error_envelope

    return error_envelope(404, f"No API endpoint at {request.path}.")


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        from pengcheng.api import error_envelope

        return error_envelope(500, "An unexpected error occurred; it has been logged.")
    return render(request, "500.html", status=500)


# Company agents (经办人管理) ---------------------------------------------------------------------------


class AddAgentForm(forms.Form):
    full_name = forms.CharField(
        label=_("Real name"), max_length=60, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    person = forms.CharField(
        label=_("Identity number or user name"),
        max_length=150,
        help_text=_("The person must already have an account on this platform, with a verified real name."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


@login_required
def company_agents(request: HttpRequest, company_id: int) -> HttpResponse:
    """The company's agents, for its legal representative (or an operator): add one, revoke one, and
    give or withdraw the powers other apps let an agent hold (the data consent mandate)."""
    user: User = request.user  # type: ignore[assignment]
    company = selectors.company_by_id(company_id)
    grants = list(selectors.company_agents(user, company))  # refuses anyone but the representative
    form = AddAgentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.add_agent(
                user, company, full_name=form.cleaned_data["full_name"], person=form.cleaned_data["person"]
            )
        except ValidationFailed as exc:
            for errors in exc.field_errors.values():
                for error in errors:
                    form.add_error("person", error)
        except DomainError as exc:
            form.add_error("person", str(exc.message))
        else:
            messages.success(
                request,
                _("%(name)s may now act for %(company)s.") % {"name": grant.user.display_name, "company": company.name},
            )
            return redirect("company-agents", company_id=company.pk)
    powers = agent_powers.registered()
    held = agent_powers.held_by(grants)  # as the API reports them
    rows = [
        {
            "grant": grant,
            "powers": [
                {"power": power, "applies": power.applies_to(grant), "held": power.key in held[grant.pk]}
                for power in powers
            ],
        }
        for grant in grants
    ]
    return render(
        request,
        "core/company_agents.html",
        {"company": company, "rows": rows, "powers": powers, "form": form},
        status=422 if form.errors else 200,
    )


@login_required
def revoke_company_agent(request: HttpRequest, company_id: int, grant_id: int) -> HttpResponse:
    """Asks first (GET), revokes on POST."""
    user: User = request.user  # type: ignore[assignment]
    company = selectors.company_by_id(company_id)
    grant = selectors.company_agent_in_force(request.user, company, grant_id)
    if request.method == "POST":
        try:
            services.revoke_agent(user, grant)
        except (Conflict, ValidationFailed) as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(
                request,
                _("%(name)s no longer acts for %(company)s.")
                % {"name": grant.user.display_name, "company": company.name},
            )
        return redirect("company-agents", company_id=company.pk)
    return render(request, "core/company_agent_revoke.html", {"company": company, "grant": grant})


@login_required
@require_POST
def company_agent_power(request: HttpRequest, company_id: int, grant_id: int, power: str) -> HttpResponse:
    """Give (``action=grant``) or withdraw (``action=withdraw``) a power, through its app's services."""
    user: User = request.user  # type: ignore[assignment]
    company = selectors.company_by_id(company_id)
    grant = selectors.company_agent_in_force(request.user, company, grant_id)
    found = agent_powers.get(power)
    action = request.POST.get("action", "")
    if found is None or action not in ("grant", "withdraw"):
        raise NotFound()
    names = {"power": found.label, "name": grant.user.display_name}
    try:
        if action == "grant":
            found.grant(user, grant)
        else:
            found.withdraw(user, grant)
    except (Conflict, ValidationFailed) as exc:
        messages.error(request, str(exc.message))
    else:
        if action == "grant":
            messages.success(request, _("%(power)s: given to %(name)s.") % names)
        else:
            messages.success(request, _("%(power)s: withdrawn from %(name)s.") % names)
    return redirect("company-agents", company_id=company.pk)
