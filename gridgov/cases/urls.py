"""URLs of the case pages, and of the public tracking pages (`track_patterns`, mounted at /track/)."""

from __future__ import annotations

from django.urls import path

from gridgov.cases import views_routing
from gridgov.cases.views import case, console, grid, inbox, moves, track

app_name = "cases"
urlpatterns = [
    path("routing/explain/", views_routing.explain, name="routing_explain"),
    path("console/", console.console, name="console"),
    path("overdue/", console.overdue, name="overdue"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("grid/", grid.grid_page, name="grid"),
    path("tasks/<int:pk>/<str:event>/", moves.task_move, name="task_move"),
    path("<str:tracking_no>/", case.case_page, name="case"),
    path("<str:tracking_no>/photos/<int:pk>/", case.photo, name="photo"),
    path("<str:tracking_no>/do/<str:move>/", moves.do_move, name="move"),
]

# No login: a reporter proves the case with the tracking number and the phone's last four digits.
track_patterns = [
    path("", track.lookup, name="lookup"),
    path("<str:tracking_no>/", track.case_page, name="case"),
    path("<str:tracking_no>/rate/", track.rate, name="rate"),
]
