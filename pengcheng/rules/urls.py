from django.urls import include, path

from pengcheng.rules import views

patterns = [
    path("console/rules/", views.rule_sets, name="rule_sets"),
    path("console/rules/new/<int:version_id>/", views.edit, name="new"),
    path("console/rules/<int:pk>/", views.detail, name="detail"),
    path("console/rules/<int:pk>/edit/", views.edit_existing, name="edit"),
    path("console/rules/<int:pk>/publish/", views.publish, name="publish"),
    path("console/rules/<int:pk>/retire/", views.retire, name="retire"),
    path("console/rules/<int:pk>/copy/", views.copy, name="copy"),
    path("console/rules/<int:pk>/simulate/", views.simulate, name="simulate"),
    path("console/instant-services/", views.stats, name="stats"),
    path("console/policies/", views.policies, name="policies"),
    path("console/policies/run/", views.run_matching, name="run_matching"),
    path("console/policies/new/", views.policy_edit, name="policy_new"),
    path("console/policies/<str:code>/", views.policy_edit, name="policy_edit"),
    path("my/applications/<str:number>/approval-letter.pdf", views.letter, name="letter"),
    path("my/policies/", views.my_policies, name="my_policies"),
    path("my/policies/<int:pk>/apply/", views.apply, name="apply"),
]

urlpatterns = [path("", include((patterns, "rules")))]
