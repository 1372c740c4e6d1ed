"""URLs of intake by people: the public report page (`snap_urls`) and the staff forms (`desk_urls`)."""

from __future__ import annotations

from gridgov.intake.desk_urls import urlpatterns as desk_patterns
from gridgov.intake.snap_urls import urlpatterns as snap_patterns

app_name = "intake"
urlpatterns = [*snap_patterns, *desk_patterns]
