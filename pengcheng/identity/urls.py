from django.urls import include, path, re_path
from oauth2_provider import views as oauth_views

from pengcheng.identity import console_views, views

# Named as django-oauth-toolkit expects (it reverses "oauth2_provider:<name>").
oauth_patterns = [
    re_path(
        r"^\.well-known/openid-configuration/?$", views.DiscoveryView.as_view(), name="oidc-connect-discovery-info"
    ),
    path(".well-known/jwks.json", views.JwksView.as_view(), name="jwks-info"),
    path("oauth/authorize/", views.AuthorizationView.as_view(), name="authorize"),
    path("oauth/token/", views.TokenView.as_view(), name="token"),
    path("oauth/revoke/", oauth_views.RevokeTokenView.as_view(), name="revoke-token"),
    path("oauth/introspect/", views.IntrospectView.as_view(), name="introspect"),
    path("oauth/userinfo/", oauth_views.UserInfoView.as_view(), name="user-info"),
    path("oauth/logout/", oauth_views.RPInitiatedLogoutView.as_view(), name="rp-initiated-logout"),
]

account_patterns = [
    path("me/verify/", views.verify, name="verify"),
    path("me/applications/", views.applications, name="applications"),
    path("me/applications/<int:pk>/revoke/", views.revoke_application, name="revoke-application"),
    path("me/sessions/", views.sessions, name="sessions"),
    path("me/sessions/<int:pk>/end/", views.end_session, name="end-session"),
    path("me/sessions/end-all/", views.sign_out_everywhere, name="sign-out-everywhere"),
    path("me/security/", views.security, name="security"),
    path("me/security/recovery-codes/", views.renew_recovery_codes, name="renew-recovery-codes"),
    path("accounts/second-factor/", views.second_factor, name="second-factor"),
    path("accounts/second-factor/enrol/", views.mfa_enrol, name="mfa-enrol"),
]

console_patterns = [
    path("clients/", console_views.clients, name="clients"),
    path("clients/<int:pk>/", console_views.client_detail, name="client"),
    path("clients/rotate-key/", console_views.rotate_key, name="rotate-key"),
    path("realname/", console_views.realname, name="realname"),
    path("realname/<int:pk>/", console_views.realname_verify, name="realname-verify"),
    path("accounts/<int:pk>/second-factor/", console_views.second_factor, name="second-factor"),
]

# Relying parties call the token and userinfo endpoints at high rates: tried before every other pattern.
priority_urlpatterns = [path("", include((oauth_patterns, "oauth2_provider")))]

urlpatterns = [
    path("", include((account_patterns, "identity"))),
    path("console/identity/", include((console_patterns, "identity-console"))),
]
