"""The demo district: a territory, people and residents modelled on Shifeng (Zhuzhou), built in seconds.

`build()` runs a list of phases into an empty database, each phase in one transaction with bulk
inserts. The same seed gives the same names, codes, shapes and ID numbers. Later issues add phases
(cases, logs) by passing a longer `phases` list; each phase returns the counts it adds to the summary.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from gridgov.people.models import Department, Resident, User
from gridgov.territory.demo import departments, housing, residents, teams, territory
from gridgov.territory.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, DemoAccount, demo_username
from gridgov.territory.demo.context import Demo, Scale
from gridgov.territory.demo.territory import DEMO_SOURCE
from gridgov.territory.models import Building, District, Generation, Grid


@dataclass(frozen=True)
class Phase:
    """One step of the build: a name, a label for progress lines and the function that runs it."""

    name: str
    label: str | Promise
    run: Callable[[Demo], dict[str, int]]


def _cases(demo: Demo) -> dict[str, int]:
    # Imported here: the cases app builds on this package, which must not import it back at load time.
    from gridgov.cases import demo as cases

    return cases.run(demo)


PHASES: list[Phase] = [
    Phase("territory", _("territory"), territory.run),
    Phase("departments", _("departments"), departments.run),
    Phase("housing", _("buildings and households"), housing.run),
    Phase("residents", _("residents"), residents.run),
    Phase("teams", _("staff and grid teams"), teams.run),
    Phase("cases", _("a year of cases"), _cases),
]


@dataclass(frozen=True)
class PhaseReport:
    """What a finished phase made and how long it took."""

    name: str
    label: str | Promise
    counts: dict[str, int]
    seconds: float


Progress = Callable[[PhaseReport], None]


@dataclass
class Summary:
    """What a build made; `counts` also holds the counts of phases added later."""

    seed: int
    streets: int = 0
    communities: int = 0
    grids: int = 0
    buildings: int = 0
    households: int = 0
    residents: int = 0
    staff: int = 0
    departments: int = 0
    cases: int = 0
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    phases: list[PhaseReport] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """Return the figures as plain JSON-ready values."""
        figures: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "phases"}
        figures["counts"] = dict(self.counts)
        figures["phases"] = {report.name: round(report.seconds, 3) for report in self.phases}
        return figures


class DemoError(Exception):
    """The demo cannot be built here (the message says why, for district staff)."""


def build(
    seed: int = 1,
    grids: int = 232,
    residents: int = 260_000,
    buildings: int | None = None,
    progress: Progress | None = None,
    phases: Sequence[Phase] | None = None,
    cases: int | None = None,
    until: date | None = None,
) -> Summary:
    """Build the demo district into an empty database and return what was made.

    `cases` is the number of cases of the demo year (default: about 54 per grid); the year ends
    when the day `until` begins (default: today in Shanghai).
    """
    found = existing_data()
    if found:
        raise DemoError(_("The database is not empty (%(found)s).") % {"found": describe(found)})
    try:
        scale = Scale.of(grids, residents, buildings)
    except ValueError as exc:
        raise DemoError(str(exc)) from None
    if cases is not None and cases < 0:
        raise DemoError(_("The number of cases cannot be negative."))
    demo = Demo.start(seed, scale)
    demo.extra.update(cases=cases, until=until)
    started = time.perf_counter()
    reports = []
    for phase in phases if phases is not None else PHASES:
        phase_started = time.perf_counter()
        with transaction.atomic():
            counts = phase.run(demo)
        demo.counts.update(counts)
        reports.append(PhaseReport(phase.name, phase.label, counts, time.perf_counter() - phase_started))
        if progress:
            progress(reports[-1])
    return _summary(seed, demo.counts, reports, time.perf_counter() - started)


def _summary(seed: int, counts: dict[str, int], reports: list[PhaseReport], seconds: float) -> Summary:
    known = {key: counts.get(key, 0) for key in Summary.__dataclass_fields__ if key in counts}
    return Summary(seed=seed, seconds=round(seconds, 2), counts=dict(counts), phases=reports, **known)


# The nouns of the counts phases report, for progress lines and summaries; "n" is the formatted count.
NOUNS: dict[str, Promise] = {
    "districts": ngettext_lazy("%(n)s district", "%(n)s districts", "count"),
    "streets": ngettext_lazy("%(n)s street", "%(n)s streets", "count"),
    "communities": ngettext_lazy("%(n)s community", "%(n)s communities", "count"),
    "grids": ngettext_lazy("%(n)s grid", "%(n)s grids", "count"),
    "departments": ngettext_lazy("%(n)s department", "%(n)s departments", "count"),
    "buildings": ngettext_lazy("%(n)s building", "%(n)s buildings", "count"),
    "households": ngettext_lazy("%(n)s household", "%(n)s households", "count"),
    "residents": ngettext_lazy("%(n)s resident", "%(n)s residents", "count"),
    "staff": ngettext_lazy("%(n)s staff member", "%(n)s staff members", "count"),
    "posts": ngettext_lazy("%(n)s post", "%(n)s posts", "count"),
    "cases": ngettext_lazy("%(n)s case", "%(n)s cases", "count"),
    "transitions": ngettext_lazy("%(n)s move", "%(n)s moves", "count"),
    "tasks": ngettext_lazy("%(n)s task", "%(n)s tasks", "count"),
    "routing_rules": ngettext_lazy("%(n)s routing rule", "%(n)s routing rules", "count"),
}
# What makes a database "not empty" for the demo.
_CONTENTS: list[tuple[str, type[Any]]] = [
    ("districts", District),
    ("grids", Grid),
    ("buildings", Building),
    ("residents", Resident),
    ("departments", Department),
    ("staff", User),
]


def existing_data() -> dict[str, int]:
    """Return the counts of territory and people rows already in the database (empty when none)."""
    counts = {key: model.objects.count() for key, model in _CONTENTS}
    return {key: count for key, count in counts.items() if count}


def describe(counts: dict[str, int]) -> str:
    """Return counts as "232 grids, 1,760 staff members" in the active language."""
    return ", ".join(
        str(NOUNS[key] % {"count": count, "n": f"{count:,}"}) if key in NOUNS else f"{key}: {count:,}"
        for key, count in counts.items()
    )


def is_demo_database() -> bool:
    """Tell whether the territory here, if any, was built by the demo (so it may be reset)."""
    if not District.objects.exists():
        return True
    return Generation.objects.filter(source__startswith=DEMO_SOURCE).exists()


__all__ = [
    "DEMO_ACCOUNTS",
    "DEMO_PASSWORD",
    "NOUNS",
    "PHASES",
    "DemoAccount",
    "DemoError",
    "Phase",
    "PhaseReport",
    "Summary",
    "build",
    "demo_username",
    "describe",
    "existing_data",
    "is_demo_database",
]
