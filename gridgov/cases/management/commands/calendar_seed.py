"""`gridgov calendar_seed [--year Y] [--commit]`: reseed holidays and make-up workdays."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from gridgov.cases.calendar import SeedReport, known_years, seed_calendar


class Command(BaseCommand):
    help = gettext_noop(
        "Bring the statutory holidays and make-up workdays in line with the chinese_calendar package, "
        "for one year or every year it knows. Days entered by hand are never changed. Without --commit "
        "nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = _(self.help)
        parser.add_argument("--year", type=int, action="append", help=_("A year to seed (repeatable)."))
        parser.add_argument("--commit", action="store_true", help=_("Write the changes."))

    def handle(self, *args: Any, **options: Any) -> None:
        known = known_years()
        years = options["year"] or list(known)
        unknown = [year for year in years if year not in known]
        if unknown:
            raise CommandError(
                _(
                    "The statutory calendar knows %(first)d–%(last)d, not %(years)s; enter that year's days by hand."
                )
                % {"first": known.start, "last": known.stop - 1, "years": ", ".join(map(str, unknown))}
            )
        report = seed_calendar(years, commit=options["commit"])
        self._print(report, options["commit"])

    def _print(self, report: SeedReport, commit: bool) -> None:
        for seed in report.created:
            self.stdout.write(f"+ {seed.date} {seed.name}")
        for seed in report.updated:
            self.stdout.write(f"~ {seed.date} {seed.name}")
        for day in report.removed:
            self.stdout.write(f"- {day}")
        for day in report.manual_kept:
            self.stdout.write(_("= %(date)s entered by hand, kept") % {"date": day})
        counts = {
            "created": len(report.created),
            "updated": len(report.updated),
            "removed": len(report.removed),
            "kept": len(report.manual_kept),
            "unchanged": report.unchanged,
            "periods": report.periods_created,
        }
        self.stdout.write(
            _(
                "%(created)d to add, %(updated)d to change, %(removed)d to remove, %(kept)d manual kept, "
                "%(unchanged)d unchanged, %(periods)d working periods to add."
            )
            % counts
        )
        if not commit:
            self.stdout.write(_("Dry run: nothing was written; add --commit to write."))
        elif report.changes:
            self.stdout.write(self.style.SUCCESS(_("Written.")))
