from __future__ import annotations

from django.urls import path

from gridgov.people import views

app_name = "people"

urlpatterns = [
    path("grids/<str:code>/team/", views.grid_team, name="grid_team"),
    path("staff/", views.staff_list, name="staff"),
    path("departments/", views.department_tree, name="departments"),
]
