"""URLs of the groups app (mounted at /groups/): the message inbox, the robot, notices, WeCom's callback."""

from __future__ import annotations

from django.urls import path

from gridgov.groups import callback, views

app_name = "groups"
urlpatterns = [
    path("messages/", views.message_list, name="messages"),
    path("messages/<int:pk>/report/", views.report_message, name="report_message"),
    path("messages/<int:pk>/photo/", views.message_photo, name="message_photo"),
    path("robot/", views.robot, name="robot"),
    path("robot/<str:code>/test/", views.robot_test, name="robot_test"),
    path("notices/", views.notices, name="notices"),
    path("notices/<int:pk>/withdraw/", views.withdraw_notice, name="withdraw_notice"),
    # WeCom's servers call this (no login, no CSRF token: WeCom's signature authenticates them).
    path("wecom/callback/", callback.wecom_callback, name="wecom_callback"),
]
