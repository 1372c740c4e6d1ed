"""`gridgov import_roster FILE.xlsx [--commit]`: import buildings and residents from a community roster."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from gridgov.lib.coords import Crs
from gridgov.territory.importers.roster import RosterPlan, plan_roster
from gridgov.territory.importers.roster_commit import commit_roster
from gridgov.territory.importers.sheets import SheetError, write_error_report

SHOWN_PROBLEMS = 200


class Command(BaseCommand):
    help = gettext_noop(
        "Check a roster workbook (sheets 楼栋 and 居民) and, with --commit, import its buildings and residents. "
        "Rows with problems are listed and written to an error report workbook."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = _(self.help)
        parser.add_argument("file", type=Path, help=_("The roster, an Excel .xlsx workbook."))
        parser.add_argument("--commit", action="store_true", help=_("Write the import (all or nothing)."))
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help=_("With --commit, write the good rows even when other rows have problems."),
        )
        parser.add_argument(
            "--errors",
            type=Path,
            metavar="FILE",
            help=_("Where to write the error report (default: next to the roster, ending in .errors.xlsx)."),
        )
        parser.add_argument(
            "--crs",
            choices=[c.value for c in Crs],
            default=Crs.WGS84.value,
            help=_("Coordinate system of building points when a row gives none (default wgs84)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        started = time.monotonic()
        try:
            plan = plan_roster(path, Crs(options["crs"]), progress=lambda m: self.stdout.write(f"… {m}"))
        except SheetError as exc:
            raise CommandError(str(exc)) from None
        self._report(plan)
        if plan.problems:
            report = options["errors"] or path.with_name(f"{path.stem}.errors.xlsx")
            write_error_report(report, [(sheet, plan.problems_by_row(sheet)) for sheet in plan.sheets])
            self.stdout.write(_("Error report: %(path)s") % {"path": report})
        if not options["commit"]:
            self.stdout.write(_("Dry run: nothing was written. Run again with --commit to import."))
            self._fail_if_problems(plan, _("nothing was written"))
            return
        if plan.problems and not options["skip_invalid"]:
            self._fail_if_problems(plan, _("nothing was written (use --skip-invalid to write the good rows)"))
        if self._commit(plan, started, skip_invalid=options["skip_invalid"]):
            self._fail_if_problems(plan, _("those rows were skipped, the others were written"))
        self._fail_if_problems(plan, _("those rows were skipped"))

    def _report(self, plan: RosterPlan) -> None:
        for problem in plan.problems[:SHOWN_PROBLEMS]:
            self.stdout.write(self.style.ERROR(_("Error: %(problem)s") % {"problem": problem}))
        if len(plan.problems) > SHOWN_PROBLEMS:
            self.stdout.write(
                _("… and %(count)d more problems, all listed in the error report.")
                % {"count": len(plan.problems) - SHOWN_PROBLEMS}
            )
        for label, rows in ((_("Buildings"), plan.buildings), (_("Residents"), plan.residents)):
            self.stdout.write(
                _("%(label)s: %(new)d new, %(changed)d to update, %(same)d unchanged.")
                % {
                    "label": label,
                    "new": plan.count(rows, new=True),
                    "changed": plan.count(rows, changed=True),
                    "same": plan.count(rows, changed=False),
                }
            )

    def _commit(self, plan: RosterPlan, started: float, *, skip_invalid: bool) -> bool:
        """Write the plan; return whether anything was written."""
        pending = sum(
            plan.count(rows, new=True) + plan.count(rows, changed=True)
            for rows in (plan.buildings, plan.residents)
        )
        if not pending:
            self.stdout.write(_("No change: everything in the roster is already registered."))
            return False
        result = commit_roster(
            plan, skip_invalid=skip_invalid, progress=lambda m: self.stdout.write(f"… {m}")
        )
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Done in %(seconds).1f s: %(buildings)d buildings created, %(updated)d updated; "
                    "%(households)d households created; %(residents)d residents registered, %(moved)d updated."
                )
                % {
                    "seconds": time.monotonic() - started,
                    "buildings": result.buildings_created,
                    "updated": result.buildings_updated,
                    "households": result.households_created,
                    "residents": result.residents_created,
                    "moved": result.residents_updated,
                }
            )
        )
        return True

    def _fail_if_problems(self, plan: RosterPlan, outcome: str) -> None:
        if plan.problems:
            raise CommandError(
                ngettext(
                    "%(count)d problem; %(outcome)s.", "%(count)d problems; %(outcome)s.", len(plan.problems)
                )
                % {"count": len(plan.problems), "outcome": outcome}
            )
