from django.urls import include, path

from pengcheng.licences import views

patterns = [
    path("wallet/", views.wallet, name="wallet"),
    path("wallet/uses/", views.uses, name="uses"),
    path("wallet/<uuid:pk>/", views.wallet_detail, name="wallet-detail"),
    path("wallet/<uuid:pk>/print/", views.printout, name="print"),
    path("wallet/<uuid:pk>/share/<str:code>/", views.share, name="share"),
    path("verify/", views.verify, name="verify"),
    path("v/<str:code>/", views.shared, name="shared"),
    path("types/", views.types_catalogue, name="types"),
    path("types/<slug:code>/schema.json", views.type_schema, name="schema"),
    path("contexts/v1", views.context_v1, name="context"),
    path("issuers/<str:code>/did.json", views.did_json, name="did"),
    path("issuers/<str:code>/jwks.json", views.jwks_json, name="jwks"),
    path("status/<str:code>/<str:purpose>", views.status_list, name="status-list"),
    path("trust.json", views.trust_json, name="trust"),
    path("console/", views.console, name="console"),
    path("console/issue/", views.issue, name="issue"),
    path("console/import/", views.import_view, name="import"),
    path("console/keys/", views.issuer_keys, name="keys"),
    path("console/<uuid:pk>/", views.console_detail, name="console-detail"),
]

urlpatterns = [path("licences/", include((patterns, "licences")))]
