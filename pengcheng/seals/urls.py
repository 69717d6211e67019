from django.urls import include, path

from pengcheng.seals import views

patterns = [
    path("", views.registry, name="registry"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/image.png", views.image, name="image"),
    path("verify/", views.verify, name="verify"),
    path("ca.pem", views.ca_certificate, name="ca"),
]

urlpatterns = [path("seals/", include((patterns, "seals")))]
