"""`gridgov export_grids [--generation N] [-o FILE]`: grid boundaries as GeoJSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from gridgov.lib.coords import Crs
from gridgov.territory.importers.export import export_generation
from gridgov.territory.models import Generation


class Command(BaseCommand):
    help = gettext_noop(
        "Write the grid boundaries of the active (or given) generation as a GeoJSON FeatureCollection; "
        "the file imports back with import_grids as “no change”."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = _(self.help)
        parser.add_argument("--generation", type=int, help=_("Generation number (default: the active one)."))
        parser.add_argument("-o", "--output", type=Path, help=_("File to write (default: standard output)."))
        parser.add_argument(
            "--crs",
            choices=[c.value for c in Crs],
            default=Crs.WGS84.value,
            help=_("Coordinate system to write (default wgs84, as stored)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        generation = self._generation(options["generation"])
        data = export_generation(generation, Crs(options["crs"]))
        text = json.dumps(data, ensure_ascii=False, indent=1)
        output: Path | None = options["output"]
        if output is None:
            self.stdout.write(text)
            return
        try:
            output.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(path)s: %(error)s") % {"path": output, "error": exc.strerror}
            ) from None
        self.stdout.write(
            _("Wrote %(count)d grids of generation %(generation)d to %(path)s.")
            % {"count": len(data["features"]), "generation": generation.pk, "path": output}
        )

    def _generation(self, number: int | None) -> Generation:
        if number is None:
            generation = Generation.objects.filter(active=True).first()
            if generation is None:
                raise CommandError(_("There is no active generation; import grids first."))
            return generation
        try:
            return Generation.objects.get(pk=number)
        except Generation.DoesNotExist:
            raise CommandError(_("There is no generation %(number)d.") % {"number": number}) from None
