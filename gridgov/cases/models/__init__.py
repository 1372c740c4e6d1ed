"""Models of the case lifecycle, one module per concept."""

from gridgov.cases.models.calendar import CalendarDay, WorkPeriod
from gridgov.cases.models.cases import (
    Attachment,
    Case,
    Channel,
    FailedLookup,
    Rating,
    Stage,
    Status,
    Task,
    TrackingCounter,
    Transition,
)
from gridgov.cases.models.categories import Category, Domain, TimeLimit, TimeUnit, Urgency
from gridgov.cases.models.routing import RoutingRule

__all__ = [
    "Attachment",
    "CalendarDay",
    "Case",
    "Category",
    "Channel",
    "Domain",
    "FailedLookup",
    "Rating",
    "RoutingRule",
    "Stage",
    "Status",
    "Task",
    "TimeLimit",
    "TimeUnit",
    "TrackingCounter",
    "Transition",
    "Urgency",
    "WorkPeriod",
]
