"""A year of cases for the demo district: the `cases` phase of `gridgov demo`.

About 54 reports per grid per year (12,600 for Shifeng's 232 grids), with the channels, matters,
seasons and hours of a real district, each with a complete history: accepted or rejected, taken
into the grid, dispatched by the routing rules, signed for, handled, verified, closed, rated — and,
near the end of the year, still open, some of them overdue and urged.

Why the demo bypasses `cases.actions`: the actions make live moves, one transaction each, "now",
with notices to send; the demo writes *history* — a year of moves that already happened, whose
notices were long delivered. Replaying 100,000 moves through the actions would take minutes and
fill the outbox with a year of stale messages. Instead `timeline.Timeline` plays each case in memory,
asking `workflow.is_allowed` and `workflow.target_of` before every move and computing deadlines with
the same time limits and work calendar as `cases.clock`, so that every log is one the actions could
have written (the demo's tests replay them all). The rows are then inserted in bulk (`rows`).

Modules: `mix` (what, when, which channel), `drafts` (the reports: place, words, reporter,
tracking number), `story` (the paths and their pace), `timeline` (the moves and their effects),
`world` (what is read once: staff, routing, clock, places), `rows` (the inserts), `texts` (words).
"""

from __future__ import annotations

import itertools
import random
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.utils import translation

from gridgov.cases import calendar as work_calendar
from gridgov.cases.categories import load_categories as load_category_catalogue
from gridgov.cases.demo import rows
from gridgov.cases.demo.drafts import DraftMaker, TrackingNumbers, spots
from gridgov.cases.demo.mix import MATTERS, MatterPicker, report_moments, year_days
from gridgov.cases.demo.story import Cast, Story
from gridgov.cases.demo.timeline import Timeline
from gridgov.cases.demo.world import (
    Clock,
    Router,
    Staff,
    grid_places,
    load_categories,
    load_grids,
    load_places,
)
from gridgov.cases.demo_rules import install_demo_rules
from gridgov.cases.models import CalendarDay, Category
from gridgov.lib.worktime import SHANGHAI
from gridgov.people.models import Role
from gridgov.territory.demo.context import Demo
from gridgov.territory.locator import Locator

# Shifeng: 12,600 reports a year in 232 grids.
CASES_PER_GRID = 12_600 / 232
# Keys of `Demo.extra` that `build()` fills from its arguments.
CASES, UNTIL = "cases", "until"


def default_case_count(grids: int) -> int:
    """Return the number of cases of a demo year for the number of grids."""
    return round(grids * CASES_PER_GRID)


def today() -> date:
    """Return today's date in Shanghai, where the demo year ends by default."""
    return datetime.now(SHANGHAI).date()


def run(demo: Demo) -> dict[str, int]:
    """Add a year of cases (and the routing rules and reference data they need) to the demo district."""
    # Notes the system writes are in the district's language, whatever the caller's.
    with translation.override(settings.LANGUAGE_CODE):
        counts = {"routing_rules": ensure_reference_data()}
        count = demo.extra.get(CASES)
        count = default_case_count(demo.scale.grids) if count is None else count
        if count > 0 and demo.grids:
            counts.update(play_year(demo, count, demo.extra.get(UNTIL) or today()))
        return counts


def ensure_reference_data() -> int:
    """Load categories, time limits and the calendar if the database lacks them; install the demo rules.

    Migrations load them, but `gridgov demo --reset` empties every table first.
    """
    if not Category.objects.filter(kind=Category.Kind.MATTER).exists():
        load_category_catalogue(commit=True)
    if not CalendarDay.objects.exists():
        work_calendar.seed_calendar(work_calendar.known_years(), commit=True)
    work_calendar.clear_caches()
    return len(install_demo_rules(commit=True).created)


def play_year(demo: Demo, count: int, until: date) -> dict[str, int]:
    """Play `count` cases over the year before `until` and insert them; return the counts."""
    rng = demo.sub_rng(f"cases:{until.isoformat()}")
    clock = Clock()
    staff = Staff.load()
    grids = load_grids()
    categories = load_categories([matter.code for matter in MATTERS])
    if not categories:  # an administrator retired every matter the demo reports
        return {}
    picker = MatterPicker([matter for matter in MATTERS if matter.code in categories])
    generation = demo.generation.pk if demo.generation else None
    locator = Locator.load(generation)
    places = load_places() or grid_places(demo.grids, [_inside(p) for p in demo.polygons])
    end = datetime.combine(until, time(0), tzinfo=SHANGHAI)
    days = year_days(until)
    numbers = TrackingNumbers(days[0], days[-1])
    maker = DraftMaker(rng, picker, categories, grids, staff, numbers)
    moments = report_moments(rng, count, until, clock.calendar)
    cast = Cast(staff, Router(staff, demo.departments), clock)
    first_case, first_task = rows.next_ids()
    task_ids = itertools.count(first_task).__next__
    played = []
    for n, (moment, spot) in enumerate(zip(moments, spots(rng, places, count, locator), strict=True)):
        draft = maker.draft(first_case + n, moment, spot)
        supervisor = _supervisor(staff, draft.grid.street_id, rng)
        timeline = Timeline(draft.info.id, draft.info.urgency, clock, end, task_ids, rng, supervisor)
        Story(cast, draft, timeline, rng).play()
        maker.remember(draft, timeline)
        played.append((draft, timeline))
    return rows.write(played, maker, generation, numbers)


def _inside(polygon: Any) -> tuple[float, float]:
    point = polygon.representative_point()
    return float(point.x), float(point.y)


def _supervisor(staff: Staff, street: int, rng: random.Random) -> tuple[int | None, str] | None:
    """Return who follows up on overdue cases of the street: its leader, or a district dispatcher."""
    leaders = staff.street_leaders.get(street)
    if leaders:
        return (rng.choice(leaders), Role.LEADER)
    if staff.district_dispatchers:
        return (rng.choice(staff.district_dispatchers), Role.DISPATCHER)
    return None


__all__ = ["CASES", "UNTIL", "default_case_count", "ensure_reference_data", "play_year", "run", "today"]
