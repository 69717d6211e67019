from django.urls import path

from pengcheng.nlp import views

app_name = "nlp"

urlpatterns = [
    path("console/hotline/classifier/", views.console, name="console"),
    path("console/hotline/classifier/v<int:number>/", views.version_page, name="version"),
]
