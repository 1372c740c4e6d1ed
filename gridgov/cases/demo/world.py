"""What the case simulator reads once: places, who holds which post, categories, routing and the clock.

Everything here is loaded with a handful of queries, so that simulating ten thousand cases asks the
database nothing more.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from gridgov.cases import clock, routing
from gridgov.cases.calendar import current_calendar
from gridgov.cases.models import Category, RoutingRule, TimeUnit, Urgency
from gridgov.lib.worktime import NATURAL_UNITS, WorkCalendar
from gridgov.people.models import Department, Level, Post, Role
from gridgov.territory.models import Building, Grid

# A target as the simulator uses it: ("dept", department id, spec) or ("user", user id, role).
Target = tuple[str, int, str]
# Whom the demo's dispatchers choose for matters no routing rule covers ({street}: the case's street).
DISPATCHER_CHOICE = {
    "10001": "cgj",
    "S02004": "street.{street}.safety",
    "S02008": "zjj",
    "S02011": "scjgj",
    "L02005": "power",
    "L02007": "cgj",
    "L03004": "street.{street}.urban",
    "L04001": "street.{street}.social",
    "L04002": "street.{street}.social",
}
# And by domain, when neither a rule, their habit nor the category's suggested department helps.
DOMAIN_FALLBACK = {"city": "cgj", "social": "street.{street}.safety", "livelihood": "street.{street}.social"}


@dataclass(frozen=True)
class Decision:
    """The rule that routes a kind of case, or (without one) the code of the department suggested."""

    rule: RoutingRule | None
    department: str | None


@dataclass(frozen=True)
class Place:
    """A building the reports are made around: its point, its grid, its name and its estate."""

    lon: float
    lat: float
    grid_id: int
    address: str
    name: str
    estate: str


@dataclass(frozen=True)
class GridInfo:
    """A grid with the ids and codes of its community and street."""

    grid: Grid
    community_id: int
    street_id: int
    street_code: str


@dataclass(frozen=True)
class CategoryInfo:
    """The fields of a category the simulator needs."""

    id: int
    code: str
    name: str
    class_code: str
    domain: str
    urgency: str
    auto_role: str
    unit: str


@dataclass
class Staff:
    """Who holds which active post, by place and by department (user ids, longest-serving first)."""

    team: dict[tuple[int, str], int] = field(default_factory=dict)
    community_dispatchers: dict[int, list[int]] = field(default_factory=dict)
    street_dispatchers: dict[int, list[int]] = field(default_factory=dict)
    street_leaders: dict[int, list[int]] = field(default_factory=dict)
    district_dispatchers: list[int] = field(default_factory=list)
    district_leaders: list[int] = field(default_factory=list)
    handlers: dict[int, list[int]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Staff:
        """Read the active posts, earliest start first (routing names the longest-serving holder)."""
        staff = cls()
        posts = Post.objects.filter(active=True, user__is_active=True).order_by("started_at", "pk")
        for user, role, level, grid, community, street, department in posts.values_list(
            "user_id", "role", "level", "grid_id", "community_id", "street_id", "department_id"
        ):
            staff._add(user, role, level, grid, community, street, department)
        return staff

    def _add(
        self, user: int, role: str, level: str, grid: int, community: int, street: int, department: int
    ) -> None:
        if level == Level.GRID:
            self.team.setdefault((grid, role), user)
        elif role == Role.DEPARTMENT_HANDLER:
            self.handlers.setdefault(department, []).append(user)
        elif role == Role.DISPATCHER:
            if level == Level.COMMUNITY:
                self.community_dispatchers.setdefault(community, []).append(user)
            elif level == Level.STREET:
                self.street_dispatchers.setdefault(street, []).append(user)
            elif level == Level.DISTRICT:
                self.district_dispatchers.append(user)
        elif role == Role.LEADER:
            if level == Level.STREET:
                self.street_leaders.setdefault(street, []).append(user)
            elif level == Level.DISTRICT:
                self.district_leaders.append(user)


class _RememberingCalendar(WorkCalendar):
    """The work calendar, remembering which day is the nth workday after another.

    A year of cases asks "the nth workday after" some 70,000 times, about a few thousand distinct
    days; the calendar finds each answer by bisection, this copy finds it once.
    """

    def __init__(self, calendar: WorkCalendar) -> None:
        # A copy of the calendar (its days and periods), not a new one.
        self.__dict__.update(calendar.__dict__)
        self._nth: dict[tuple[date, int], date] = {}

    def nth_workday_after(self, day: date, n: int) -> date:
        key = (day, n)
        found = self._nth.get(key)
        if found is None:
            found = self._nth[key] = super().nth_workday_after(day, n)
        return found


class Clock:
    """The time limits and the work calendar, looked up once per category, urgency and stage."""

    def __init__(self) -> None:
        self.calendar: WorkCalendar = _RememberingCalendar(current_calendar())
        self._limits: dict[tuple[int, str, str], tuple[int, str] | None] = {}

    def limit(self, category: int, urgency: str, stage: str) -> tuple[int, str] | None:
        """Return the stage's limit (amount, unit) for the category, or None when none is set."""
        key = (category, urgency, stage)
        if key not in self._limits:
            try:
                found = clock.limit_for(category, urgency, stage)
                self._limits[key] = (found.amount, found.unit)
            except clock.NoTimeLimit:
                self._limits[key] = None
        return self._limits[key]

    def due(self, category: int, urgency: str, stage: str, start: datetime) -> datetime | None:
        """Return when the stage started at `start` is due (as `clock.deadline`), or None."""
        limit = self.limit(category, urgency, stage)
        return None if limit is None else self.calendar.add(start, *limit)

    def spend(self, category: int, urgency: str, stage: str, start: datetime, share: float) -> datetime:
        """Return the moment after `share` of the stage's limit is used up from `start`.

        Working units are spent in working time, so staff act in office hours; natural units (the
        minutes and hours of urgent matters) in elapsed time, night or day.
        """
        amount, unit = self.limit(category, urgency, stage) or (2, TimeUnit.WORK_HOURS)
        if unit == TimeUnit.WORK_DAYS:
            length = timedelta(microseconds=amount * self.calendar.day_micros)
        elif unit == TimeUnit.MINUTES:
            length = timedelta(minutes=amount)
        else:
            length = timedelta(hours=amount)
        if unit in NATURAL_UNITS:
            return start + length * share
        return self.calendar.add_working_time(start, length * share)


class Router:
    """The routing of `cases.routing`, decided once per kind of case and resolved per grid.

    The winning rule depends only on the category, on which area-scoped rules contain the grid and
    on which keyword rules the text triggers, so it is chosen once per such combination — by
    `routing.evaluate` and the candidates' `rank`, as `routing.route` does — and its targets are
    resolved for each case's own grid from the posts read in `Staff`, without a query.
    """

    def __init__(self, staff: Staff, departments: dict[str, Department]) -> None:
        self.staff = staff
        self.departments = departments
        # Names repeat (every street has its 综治中心): like `routing.route`, take the lowest code.
        self._by_name = {d.name: d for d in sorted(departments.values(), key=lambda d: d.code, reverse=True)}
        self.rules = routing.active_rules()
        self._scoped = [r for r in self.rules if r.grid_id or r.community_id or r.street_id]
        keyed = [(r, [w.lower() for w in routing.split_keywords(r.keywords)]) for r in self.rules]
        self._keyed = [(rule, words) for rule, words in keyed if words]
        self._areas: dict[int, tuple[int, ...]] = {}
        self._decisions: dict[tuple[int, tuple[int, ...], tuple[int, ...]], Decision] = {}

    def _area_key(self, grid: Grid) -> tuple[int, ...]:
        if grid.pk not in self._areas:
            place = routing.Place(grid)
            self._areas[grid.pk] = tuple(
                rule.pk for rule in self._scoped if routing.evaluate(rule, None, place, "").checks[1].ok
            )
        return self._areas[grid.pk]

    def decision(self, category: Category, grid: Grid, text: str) -> Decision:
        """Return the rule that routes the case, or the department the category suggests."""
        body = text.lower()
        words = tuple(rule.pk for rule, keys in self._keyed if any(word in body for word in keys))
        key = (category.pk, self._area_key(grid), words)
        if key not in self._decisions:
            self._decisions[key] = self._decide(category, grid, text)
        return self._decisions[key]

    def _decide(self, category: Category, grid: Grid, text: str) -> Decision:
        place = routing.Place(grid)
        # Rules of another category or class cannot match: weigh only the others.
        fitting = [
            rule
            for rule in self.rules
            if rule.category_id in (None, category.pk) and rule.class_code in ("", category.class_code)
        ]
        matched = [c for c in (routing.evaluate(r, category, place, text) for r in fitting) if c.matched]
        if matched:
            return Decision(max(matched, key=lambda candidate: candidate.rank).rule, None)
        if category.code in DISPATCHER_CHOICE:
            return Decision(None, DISPATCHER_CHOICE[category.code])
        named = category.suggested_department.strip()
        suggested = self.departments.get(named) or self._by_name.get(named) if named else None
        return Decision(None, suggested.code if suggested else None)

    def targets(self, decision: Decision, grid: GridInfo) -> tuple[Target | None, list[Target]]:
        """Return the lead and assisting targets of a decision for the grid (unresolved ones left out)."""
        if decision.rule is None:
            code = decision.department.format(street=grid.street_code) if decision.department else None
            return (self._department(code) if code else None), []
        specs = [decision.rule.lead, *decision.rule.assists]
        resolved = [self.resolve(spec, grid.grid.pk) for spec in specs]
        lead, distinct = resolved[0], list[Target]()
        for target in resolved[1:]:
            if target is not None and all(target[:2] != other[:2] for other in [lead, *distinct] if other):
                distinct.append(target)
        return lead, distinct

    def resolve(self, spec: str, grid_id: int) -> Target | None:
        """Return the department or grid-team member a target spec names for the grid, or None."""
        try:
            kind, value = routing.parse_target(spec)
        except ValueError:
            return None
        if kind == routing.DEPARTMENT:
            return self._department(value)
        user = self.staff.team.get((grid_id, value))
        return ("user", user, value) if user is not None else None

    def _department(self, code: str) -> Target | None:
        department = self.departments.get(code)
        if department is None or not self.staff.handlers.get(department.pk):
            return None  # nobody would ever sign for it
        return ("dept", department.pk, code)

    def fallback(self, domain: str, street_code: str, avoid: Target | None = None) -> Target:
        """Return the department a dispatcher chooses when no rule helps (another than `avoid`)."""
        pattern = DOMAIN_FALLBACK.get(domain, "cgj")
        for code in (pattern.format(street=street_code), "cgj", *sorted(self.departments)):
            target = self._department(code)
            if target is not None and (avoid is None or target[:2] != avoid[:2]):
                return target
        raise LookupError("no department has a handler")


def load_places() -> list[Place]:
    """Return the buildings with a grid, in code order, as places reports are made around."""
    rows = Building.objects.filter(grid__isnull=False).order_by("code")
    return [
        Place(lon, lat, grid, address, name, _estate(name))
        for lon, lat, grid, address, name in rows.values_list("lon", "lat", "grid_id", "address", "name")
    ]


def grid_places(grids: list[Grid], points: list[tuple[float, float]]) -> list[Place]:
    """Return one place per grid (a point inside it) for a district without buildings."""
    return [
        Place(lon, lat, grid.pk, grid.name, grid.name, grid.name)
        for grid, (lon, lat) in zip(grids, points, strict=True)
    ]


def _estate(building: str) -> str:
    """Return the estate of a building name: 起重生活区2栋 → 起重生活区."""
    return building.rstrip("栋").rstrip("0123456789") or building


def load_grids() -> dict[int, GridInfo]:
    """Return every grid with its community and street, by id."""
    grids = Grid.objects.select_related("community__street").order_by("code")
    return {g.pk: GridInfo(g, g.community_id, g.community.street_id, g.community.street.code) for g in grids}


def load_categories(codes: list[str]) -> dict[str, tuple[Category, CategoryInfo]]:
    """Return the active matter categories of the codes, by code."""
    found = Category.objects.filter(kind=Category.Kind.MATTER, active=True, code__in=codes)
    return {
        c.code: (
            c,
            CategoryInfo(
                c.pk,
                c.code,
                c.name,
                c.class_code,
                c.domain,
                c.default_urgency or Urgency.NORMAL,
                c.auto_dispatch_role,
                c.outcome_unit,
            ),
        )
        for c in found
    }


def jitter(rng: random.Random, lon: float, lat: float, metres: float = 25.0) -> tuple[float, float]:
    """Return a point about `metres` from the given one, in a random direction."""
    dy = rng.gauss(0, metres) / 111_320
    dx = rng.gauss(0, metres) / (111_320 * math.cos(math.radians(lat)))
    return round(lon + dx, 6), round(lat + dy, 6)
