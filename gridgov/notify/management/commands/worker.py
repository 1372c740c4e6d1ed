"""`gridgov worker [--once] [--interval S] [--batch N]`: deliver the outbox and sweep deadlines."""

from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from gridgov.notify.worker import DEFAULT_BATCH, DEFAULT_INTERVAL, TickReport, Worker, tick


class Command(BaseCommand):
    help = gettext_noop(
        "Deliver queued notices and urge cases whose deadline has passed, in a loop until SIGTERM or "
        "SIGINT (which finish the current tick). With --once, run one tick and say what it did."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = _(self.help)
        parser.add_argument("--once", action="store_true", help=_("Run one tick and exit."))
        parser.add_argument(
            "--interval",
            type=float,
            default=DEFAULT_INTERVAL,
            metavar="S",
            help=_("Seconds to wait between ticks (default %(default)s)."),
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=DEFAULT_BATCH,
            metavar="N",
            help=_("Messages and cases to handle per tick at most (default %(default)s)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["interval"] <= 0 or options["batch"] < 1:
            raise CommandError(_("--interval must be positive and --batch at least 1."))
        if options["once"]:
            self._print(tick(batch=options["batch"]))
            return
        worker = Worker(interval=options["interval"], batch=options["batch"])
        signal.signal(signal.SIGTERM, worker.stop)
        signal.signal(signal.SIGINT, worker.stop)
        self.stdout.write(
            _("Worker started (interval %(interval)s s, batch %(batch)d); stop with Ctrl-C.") % options
        )
        ticks = worker.run()
        self.stdout.write(_("Worker stopped after %(ticks)d ticks.") % {"ticks": ticks})

    def _print(self, report: TickReport) -> None:
        self.stdout.write(
            _("Sent %(sent)d, to retry %(retried)d, failed %(failed)d; urged %(urged)d overdue cases.")
            % {
                "sent": report.sent,
                "retried": report.retried,
                "failed": report.failed,
                "urged": len(report.urged),
            }
        )
        for number in report.urged:
            self.stdout.write(_("Urged %(number)s") % {"number": number})
