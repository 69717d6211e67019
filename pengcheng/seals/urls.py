from django.urls import include, path

patterns: list = []
urlpatterns = [path("seals/", include((patterns, "seals")))]
