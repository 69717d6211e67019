from django.urls import include, path

from pengcheng.catalog import views

patterns = [
    path("services/", views.index, name="index"),
    path("services/<str:code>/", views.detail, name="detail"),
    path("console/catalog/", views.manage, name="manage"),
    path("console/catalog/<str:code>/", views.manage_item, name="manage-item"),
    path("console/catalog/<str:code>/status/", views.set_status, name="set-status"),
]

urlpatterns = [path("", include((patterns, "catalog")))]
