"""`gridgov demo`: build the demo district, print the demo accounts, then serve it."""

from __future__ import annotations

import argparse
import unicodedata
from datetime import date
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from gridgov.people.models import User
from gridgov.territory import demo
from gridgov.territory.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, PhaseReport, Summary

SUMMARY_KEYS = (
    "streets",
    "communities",
    "grids",
    "buildings",
    "households",
    "residents",
    "staff",
    "departments",
    "cases",
)


class Command(BaseCommand):
    help = gettext_noop(
        "Build the demo district (modelled on Shifeng, Zhuzhou), print the demo accounts, serve it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = _(self.help)
        parser.add_argument("--seed", type=int, default=1, help=_("Same seed, same district."))
        parser.add_argument("--grids", type=int, default=232, help=_("Number of grids."))
        parser.add_argument("--residents", type=int, default=260_000, help=_("Number of residents."))
        parser.add_argument("--buildings", type=int, default=None, help=_("Default: one per 52 residents."))
        parser.add_argument(
            "--cases", type=int, default=None, help=_("Cases of the demo year. Default: about 54 per grid.")
        )
        parser.add_argument(
            "--until",
            type=iso_date,
            default=None,
            help=_("The demo year ends when this day (YYYY-MM-DD) begins. Default: today in Shanghai."),
        )
        parser.add_argument("--no-serve", action="store_true", help=_("Build only, do not serve."))
        when = parser.add_mutually_exclusive_group()
        when.add_argument(
            "--if-empty",
            action="store_true",
            help=_("Skip the build when the database holds data."),
        )
        when.add_argument(
            "--reset",
            action="store_true",
            help=_("Empty a database holding a demo district first."),
        )
        parser.add_argument("--host", default=None, help=_("Passed on to `gridgov serve`."))
        parser.add_argument("--port", type=int, default=None, help=_("Passed on to `gridgov serve`."))

    def handle(self, *args: Any, **options: Any) -> None:
        found = demo.existing_data()
        if found and options["if_empty"]:
            self.stdout.write(
                _("The database already holds data (%(found)s); the demo district was not built.")
                % {"found": demo.describe(found)}
            )
            self._print_accounts(only_existing=True)
        else:
            if found and options["reset"]:
                self._reset(found)
            elif found:
                raise CommandError(
                    _(
                        "The database is not empty (%(found)s). Run `gridgov demo --reset` to replace a demo "
                        "district, or point GRIDGOV_VAR_DIR or DATABASE_URL at an empty database."
                    )
                    % {"found": demo.describe(found)}
                )
            self._build(options)
        if not options["no_serve"]:
            serve_options = {key: options[key] for key in ("host", "port") if options[key] is not None}
            call_command("serve", **serve_options)

    def _reset(self, found: dict[str, int]) -> None:
        if not demo.is_demo_database():
            raise CommandError(
                _("The database holds a district that `gridgov demo` did not build; it will not delete it.")
            )
        self.stdout.write(
            _("Deleting the demo data (%(found)s): the whole database is emptied.")
            % {"found": demo.describe(found)}
        )
        call_command("flush", interactive=False, verbosity=0)

    def _build(self, options: dict[str, Any]) -> None:
        self.stdout.write(
            _("Building the demo district (seed %(seed)s, %(grids)s grids, %(residents)s residents) …")
            % {
                "seed": options["seed"],
                "grids": f"{options['grids']:,}",
                "residents": f"{options['residents']:,}",
            }
        )
        try:
            summary = demo.build(
                seed=options["seed"],
                grids=options["grids"],
                residents=options["residents"],
                buildings=options["buildings"],
                progress=self._progress,
                cases=options["cases"],
                until=options["until"],
            )
        except demo.DemoError as exc:
            raise CommandError(str(exc)) from None
        self._print_summary(summary)
        self._print_accounts()

    def _progress(self, report: PhaseReport) -> None:
        self.stdout.write(
            "  "
            + _("%(phase)s: %(counts)s (%(seconds).1f s)")
            % {"phase": report.label, "counts": demo.describe(report.counts), "seconds": report.seconds}
        )

    def _print_summary(self, summary: Summary) -> None:
        self.stdout.write(
            self.style.SUCCESS(_("Demo district built in %(seconds).1f s.") % {"seconds": summary.seconds})
        )
        self.stdout.write("  " + demo.describe({key: getattr(summary, key) for key in SUMMARY_KEYS}))

    def _print_accounts(self, only_existing: bool = False) -> None:
        accounts = DEMO_ACCOUNTS
        if only_existing:
            present = set(
                User.objects.filter(username__in=[a.username for a in accounts]).values_list(
                    "username", flat=True
                )
            )
            accounts = [account for account in accounts if account.username in present]
            if not accounts:
                return
        self.stdout.write(_("Demo accounts (password: %(password)s):") % {"password": DEMO_PASSWORD})
        rows = [(a.username, str(a.role.label), a.full_name, a.scope) for a in accounts]
        widths = [max(display_width(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            cells = [pad(cell, width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  " + "  ".join([*cells, row[3]]))


def iso_date(text: str) -> date:
    """Return the date written as YYYY-MM-DD, or refuse the argument."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("“%(value)s” is not a date like 2026-06-21.") % {"value": text}
        ) from None


def display_width(text: str) -> int:
    """Return the width of the text in a terminal: Chinese characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    """Return the text padded with spaces to the display width."""
    return text + " " * (width - display_width(text))
