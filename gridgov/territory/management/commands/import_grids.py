"""`gridgov import_grids FILE.geojson [--commit]`: import grid boundaries as a new generation."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from gridgov.lib.coords import Crs
from gridgov.territory.importers.geojson import FeatureError, load_json
from gridgov.territory.importers.grids import GridPlan, commit_grids, plan_grids


class Command(BaseCommand):
    help = gettext_noop(
        "Check a GeoJSON FeatureCollection of grid boundaries and, with --commit, import it as a new "
        "active generation. Without --commit nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = _(self.help)
        parser.add_argument(
            "file", type=Path, help=_("GeoJSON file (FeatureCollection of Polygon/MultiPolygon).")
        )
        parser.add_argument("--commit", action="store_true", help=_("Write the import (all or nothing)."))
        parser.add_argument(
            "--crs",
            choices=[c.value for c in Crs],
            default=Crs.WGS84.value,
            help=_(
                "Coordinate system of the file: wgs84 (GPS), gcj02 (AMap, Tencent, WeChat) or bd09 (Baidu)."
            ),
        )
        parser.add_argument(
            "--create-areas",
            action="store_true",
            help=_("Create unknown streets and communities from street_name and community_name."),
        )
        parser.add_argument(
            "--tolerance",
            type=float,
            default=1.0,
            metavar="M2",
            help=_("Overlaps, gaps and grids smaller than this many m² are ignored (default 1)."),
        )
        parser.add_argument(
            "--allow-gaps",
            action="store_true",
            help=_("Report gaps between grids as warnings, not errors."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        started = time.monotonic()
        try:
            data = load_json(path)
        except FeatureError as exc:
            raise CommandError(str(exc)) from None
        plan = plan_grids(
            data,
            Crs(options["crs"]),
            tolerance_m2=options["tolerance"],
            create_areas=options["create_areas"],
            allow_gaps=options["allow_gaps"],
            progress=self._progress,
        )
        self._report(plan)
        if plan.problems:
            raise CommandError(
                ngettext(
                    "%(count)d error; nothing was written.",
                    "%(count)d errors; nothing was written.",
                    len(plan.problems),
                )
                % {"count": len(plan.problems)}
            )
        if not options["commit"]:
            self.stdout.write(_("Dry run: nothing was written. Run again with --commit to import."))
            return
        self._commit(plan, path, started)

    def _progress(self, message: str) -> None:
        self.stdout.write(f"… {message}")

    def _report(self, plan: GridPlan) -> None:
        for problem in plan.problems:
            self.stdout.write(self.style.ERROR(_("Error: %(problem)s") % {"problem": problem}))
        for warning in plan.warnings:
            self.stdout.write(self.style.WARNING(_("Warning: %(problem)s") % {"problem": warning}))
        counts = {
            "features": len(plan.features),
            "new": len(plan.new_codes),
            "changed": len(plan.changed_codes),
            "unchanged": len(plan.unchanged_codes),
            "dropped": len(plan.dropped_codes),
        }
        self.stdout.write(
            _(
                "%(features)d grids in the file: %(new)d new, %(changed)d with a changed boundary, "
                "%(unchanged)d unchanged; %(dropped)d grids of the active generation are not in the file."
            )
            % counts
        )
        if plan.dropped_codes:
            self.stdout.write(_("Not in the file: %(codes)s") % {"codes": _listing(plan.dropped_codes)})
        for label, areas in (
            (_("New streets"), plan.new_streets),
            (_("New communities"), plan.new_communities),
        ):
            if areas:
                names = _listing([f"{a.code} {a.name}" for a in areas])
                self.stdout.write(_("%(label)s: %(names)s") % {"label": label, "names": names})
        if plan.same_boundaries:
            self.stdout.write(_("No change: the boundaries equal those of the active generation."))
        if plan.renamed_codes:
            self.stdout.write(_("Grids renamed: %(codes)s") % {"codes": _listing(plan.renamed_codes)})

    def _commit(self, plan: GridPlan, path: Path, started: float) -> None:
        if plan.same_boundaries and not plan.renamed_codes:
            self.stdout.write(_("Nothing to write."))
            return
        result = commit_grids(plan, source=path.name, progress=self._progress)
        seconds = time.monotonic() - started
        if result.generation is None:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Done in %(seconds).1f s: %(renamed)d grids renamed; boundaries unchanged.")
                    % {"seconds": seconds, "renamed": result.grids_renamed}
                )
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Done in %(seconds).1f s: generation %(generation)d is active with %(boundaries)d boundaries; "
                    "%(created)d grids created, %(renamed)d renamed; %(moved)d buildings moved to another grid, "
                    "%(outside)d buildings outside every grid."
                )
                % {
                    "seconds": seconds,
                    "generation": result.generation.pk,
                    "boundaries": result.boundaries,
                    "created": result.grids_created,
                    "renamed": result.grids_renamed,
                    "moved": result.buildings_moved,
                    "outside": result.buildings_outside,
                }
            )
        )


def _listing(items: list[str], limit: int = 20) -> str:
    """Return the first items joined, with a count of the rest."""
    shown = ", ".join(items[:limit])
    if len(items) > limit:
        shown += " " + _("… and %(count)d more") % {"count": len(items) - limit}
    return shown
