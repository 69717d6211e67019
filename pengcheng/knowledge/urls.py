from django.urls import include, path

from pengcheng.knowledge import views

patterns = [
    # Citizens
    path("kb/", views.public, name="public"),
    path("kb/a/<str:key>/", views.public_article, name="public-article"),
    # Staff
    path("console/kb/", views.manage, name="manage"),
    path("console/kb/new/", views.article_new, name="new"),
    path("console/kb/suggest/", views.suggest, name="suggest"),
    path("console/kb/answer/", views.intake_answer, name="intake-answer"),
    path("console/kb/a/<str:key>/", views.article_page, name="article"),
    path("console/kb/a/<str:key>/edit/", views.article_edit, name="edit"),
    path("console/kb/a/<str:key>/<str:action>/", views.article_act, name="act"),
]

urlpatterns = [path("", include((patterns, "knowledge")))]
