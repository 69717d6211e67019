from django.urls import include, path

from pengcheng.applications import kiosk, views

patterns = [
    path("services/<str:code>/apply/", views.start, name="start"),
    path("my/applications/", views.mine, name="mine"),
    path("my/applications/<str:number>/", views.detail, name="detail"),
    path("my/applications/<str:number>/edit/", views.edit, name="edit"),
    path("my/applications/<str:number>/withdraw/", views.withdraw, name="withdraw"),
    path("applications/<str:number>/files/<int:pk>/", views.download, name="download"),
    path("console/applications/", views.queue, name="queue"),
    path("console/applications/batch/", views.batch, name="batch"),
    path("console/applications/lookup/", views.lookup, name="lookup"),
    path("console/applications/overdue/", views.overdue, name="overdue"),
    path("console/applications/<str:number>/", views.handle, name="handle"),
    path("console/applications/<str:number>/<str:action>/", views.act, name="act"),
    path("console/service-metrics/", views.metrics, name="metrics"),
]

kiosk_patterns = [
    path("", kiosk.home, name="home"),
    path("card/", kiosk.card_login, name="card"),
    path("reset/", kiosk.reset, name="reset"),
    path("search/", kiosk.search, name="search"),
    path("services/<str:code>/", kiosk.item, name="item"),
    path("services/<str:code>/apply/", kiosk.apply, name="apply"),
    path("applications/", kiosk.track, name="track"),
    path("applications/<str:number>/", kiosk.application, name="application"),
]

urlpatterns = [
    path("", include((patterns, "applications"))),
    path("kiosk/", include((kiosk_patterns, "kiosk"))),
]
