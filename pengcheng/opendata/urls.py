from django.urls import include, path, re_path

from pengcheng.opendata import ckan, console_views, views

portal = [
    path("", views.search, name="search"),
    path("developer/", views.developer, name="developer"),
    path("developer/keys/", views.create_key, name="create-key"),
    path("developer/keys/<int:pk>/revoke/", views.revoke_key, name="revoke-key"),
    path("dataset/<slug:name>/", views.dataset_page, name="dataset"),
    path("dataset/<slug:name>/resource/<uuid:resource_id>/", views.resource_page, name="resource"),
    re_path(
        r"^resource/(?P<resource_id>[0-9a-f-]{36})/download/(?P<fmt>csv|json|xlsx|original)$",
        views.download,
        name="download",
    ),
]

console = [
    path("", console_views.datasets, name="datasets"),
    path("new/", console_views.dataset_new, name="dataset-new"),
    path("usage/", console_views.usage_page, name="usage"),
    path("dataset/<uuid:pk>/", console_views.dataset_manage, name="dataset"),
    path("dataset/<uuid:pk>/edit/", console_views.dataset_edit, name="dataset-edit"),
    path("dataset/<uuid:pk>/state/", console_views.dataset_state, name="dataset-state"),
    path("version/<int:pk>/", console_views.version_page, name="version"),
    path("version/<int:pk>/progress/", console_views.version_progress, name="version-progress"),
]

urlpatterns = [
    path("data/", include((portal, "opendata"))),
    path("console/opendata/", include((console, "opendata-console"))),
    path("api/3/action/<str:name>", ckan.action_view, name="ckan-action"),
    path("api/action/<str:name>", ckan.action_view, name="ckan-action-unversioned"),
    re_path(r"^catalog\.(?P<fmt>jsonld|ttl|rdf)$", views.catalog_rdf, name="dcat-catalog"),
    re_path(r"^dataset/(?P<key>[\w-]{2,100})\.(?P<fmt>jsonld|ttl|rdf)$", views.dataset_rdf, name="dcat-dataset"),
]
