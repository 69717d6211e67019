from django.urls import include, path

from pengcheng.core import console_views, views

console_patterns = [
    path("", console_views.home, name="home"),
    path("staff/", console_views.staff, name="staff"),
    path("departments/", console_views.departments, name="departments"),
    path("divisions/", console_views.divisions, name="divisions"),
    path("calendar/", console_views.calendar_view, name="calendar"),
    path("audit/", console_views.audit_log, name="audit"),
    path("jobs/", console_views.jobs, name="jobs"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("prefs/elder/", views.toggle_elder_mode, name="elder-mode"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/register/", views.register, name="register"),
    path("accounts/after-login/", views.after_login, name="after-login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("me/", views.account, name="account"),
    path("me/acting-company/", views.choose_acting_company, name="acting-company"),
    path("me/companies/<int:company_id>/agents/", views.company_agents, name="company-agents"),
    path(
        "me/companies/<int:company_id>/agents/<int:grant_id>/revoke/",
        views.revoke_company_agent,
        name="company-agent-revoke",
    ),
    path(
        "me/companies/<int:company_id>/agents/<int:grant_id>/powers/<slug:power>/",
        views.company_agent_power,
        name="company-agent-power",
    ),
    path("console/", include((console_patterns, "console"))),
]
