from django.urls import include, path

from pengcheng.insights import views

patterns = [
    path("console/insights/hot-topics/", views.hot_topics, name="hot-topics"),
    path("console/insights/reports/", views.reports, name="reports"),
    path("console/insights/reports/<int:pk>.<str:fmt>", views.report_file, name="report-file"),
    path("console/insights/reports/<int:pk>/language/", views.report_language, name="report-language"),
    path("console/insights/replies/", views.reply_queue, name="reply-queue"),
    path("console/insights/replies/<int:pk>/", views.reply_detail, name="reply"),
]

urlpatterns = [path("", include((patterns, "insights")))]
