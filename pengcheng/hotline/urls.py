from django.urls import include, path, re_path

from pengcheng.hotline import console_views, open311, supervisor_views, views

FMT = r"(?P<fmt>json|xml)"

hotline_patterns = [
    # Citizens
    path("hotline/", views.portal, name="portal"),
    path("hotline/new/", views.submit, name="submit"),
    path("hotline/mine/", views.mine, name="mine"),
    path("hotline/mine/<str:number>/", views.my_ticket, name="my-ticket"),
    path("hotline/track/", views.track, name="track"),
    path("hotline/track/<str:number>/", views.tracked, name="tracked"),
    path("hotline/rate/<str:token>/", views.rate_by_link, name="rate"),
    path("hotline/files/<int:pk>/", views.attachment, name="attachment"),
    # Staff
    path("console/hotline/", console_views.queue, name="queue"),
    path("console/hotline/call/", console_views.call, name="call"),
    path("console/hotline/callers/", console_views.caller_lookup, name="caller-lookup"),
    path("console/hotline/t/<str:number>/", console_views.ticket_page, name="ticket"),
    path("console/hotline/t/<str:number>/<str:action>/", console_views.act, name="act"),
    path("console/hotline/inbound/", console_views.inbound, name="inbound"),
    path("console/hotline/inbound/<int:pk>/", console_views.inbound_message, name="inbound-message"),
    path("console/hotline/overview/", supervisor_views.overview, name="stats"),
    path("console/hotline/overview.csv", supervisor_views.overview_csv, name="stats-csv"),
    path("console/hotline/breaches/", supervisor_views.breaches, name="breaches"),
    path("console/hotline/routing/", supervisor_views.routing_table, name="routing"),
    path("console/hotline/import/", supervisor_views.import_tickets, name="import"),
    path("console/hotline/import/<int:pk>/", supervisor_views.import_batch, name="import-batch"),
]

open311_patterns = [
    path("", open311.index, name="root"),
    re_path(rf"^discovery\.{FMT}$", open311.discovery, name="discovery"),
    re_path(rf"^services\.{FMT}$", open311.service_list, name="services"),
    re_path(rf"^services/(?P<service_code>[^/]+)\.{FMT}$", open311.service_definition, name="service"),
    re_path(rf"^requests\.{FMT}$", open311.requests_view, name="requests"),
    re_path(rf"^requests/(?P<service_request_id>[^/]+)\.{FMT}$", open311.request_detail, name="request"),
    re_path(rf"^tokens/(?P<token>[^/]+)\.{FMT}$", open311.token_view, name="token"),
    re_path(r"^(?P<rest>.+)$", open311.not_found),
]

# Open311 clients post at high rates: the root urlconf tries these before every other pattern.
priority_urlpatterns = [path("open311/v2/", include((open311_patterns, "open311")))]

urlpatterns = [path("", include((hotline_patterns, "hotline")))]
