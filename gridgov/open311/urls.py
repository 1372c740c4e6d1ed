"""URLs of the Open311 GeoReport v2 endpoint (mounted at /open311/v2/).

Each address ends in its format, `.json` or `.xml`; an unknown format and any other address get the
spec's 404 error list rather than an HTML page.
"""

from __future__ import annotations

from django.urls import re_path

from gridgov.open311 import views

app_name = "open311"
FMT = r"\.(?P<fmt>[A-Za-z0-9]{1,10})$"
urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.service_list, name="services"),
    re_path(r"^services/(?P<code>[^/]{1,40}?)" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.service_requests, name="requests"),
    re_path(r"^requests/(?P<request_id>[^/]{1,40}?)" + FMT, views.service_request, name="request"),
    re_path(r"^tokens/(?P<token>[^/]{1,40}?)" + FMT, views.token, name="token"),
    re_path(r"^servicerequestupdates" + FMT, views.service_request_updates, name="updates"),
    re_path(r"^$", views.not_found, name="root"),
    re_path(r"^.*$", views.not_found),
]
