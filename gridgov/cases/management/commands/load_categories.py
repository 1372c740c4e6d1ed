"""`gridgov load_categories`: reload the category catalogue (a dry run unless given --commit)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from gridgov.cases.categories import load_categories
from gridgov.cases.demo_rules import install_demo_rules


class Command(BaseCommand):
    help = gettext_noop(
        "Load the GB/T 47678.5 categories, the local extensions and the default time limits; "
        "a dry run unless given --commit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = _(self.help)
        parser.add_argument("--commit", action="store_true", help=_("Write the changes."))
        parser.add_argument(
            "--demo-rules",
            action="store_true",
            help=_("Also install the demo district's routing rules that are missing."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        commit, verbosity = options["commit"], options["verbosity"]
        report = load_categories(commit=commit)
        # A first load adds hundreds of rows: list them only when asked to (-v 2).
        listed = [("+", report.added)] if verbosity > 1 else []
        listed += [("~", report.updated), ("-", report.deactivated)]
        for mark, labels in listed:
            for label in labels:
                self.stdout.write(f"{mark} {label}")
        self.stdout.write(report.summary())
        if options["demo_rules"]:
            self._demo_rules(commit)
        if not commit:
            self.stdout.write(_("Dry run: nothing was written. Run again with --commit to write."))

    def _demo_rules(self, commit: bool) -> None:
        rules = install_demo_rules(commit=commit)
        for line in rules.skipped:
            self.stdout.write(_("skipped: %(reason)s") % {"reason": line})
        self.stdout.write(
            _("Routing rules: %(created)d added, %(existing)d already there, %(skipped)d skipped.")
            % {
                "created": len(rules.created),
                "existing": len(rules.existing),
                "skipped": len(rules.skipped),
            }
        )
