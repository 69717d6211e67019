from django.urls import include, path

from pengcheng.notifications import views

patterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/open/", views.open_message, name="open"),
    path("read-all/", views.read_all, name="read-all"),
]

urlpatterns = [path("inbox/", include((patterns, "notifications")))]
