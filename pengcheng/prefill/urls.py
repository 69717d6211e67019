from django.urls import include, path

from pengcheng.prefill import views

patterns = [
    path("my/applications/<str:number>/prefill/", views.consent, name="consent"),
    path("kiosk/applications/<str:number>/prefill/", views.kiosk_consent, name="kiosk-consent"),
    path("my/consents/", views.consents, name="consents"),
    path("my/consents/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("my/data-uses/", views.uses, name="uses"),
    path("console/registry-uses/", views.registry_uses, name="registry-uses"),
]

urlpatterns = [path("", include((patterns, "prefill")))]
