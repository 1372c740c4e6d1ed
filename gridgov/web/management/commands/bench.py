"""`gridgov bench NAME`: run one benchmark and print its figures as a JSON object on the last line."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridgov import benchmarks


class Command(BaseCommand):
    help = "Run a benchmark and print its figures as one JSON object (last line)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", choices=sorted(benchmarks.REGISTRY))
        parser.add_argument("--quick", action="store_true", help="Smaller sizes, for a smoke run.")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            run = benchmarks.load(options["name"])
        except KeyError:
            raise CommandError(f"unknown benchmark {options['name']!r}") from None
        figures = run(quick=options["quick"], seed=options["seed"], log=self.stderr.write)
        self.stdout.write(json.dumps(figures, ensure_ascii=False, sort_keys=True))
