"""`gridgov serve`: run gridgov under gunicorn, the production WSGI server, in this process."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from gunicorn.app.base import BaseApplication

from gridgov.lib.env import env_int, env_str

MAX_WORKERS = 8
WILDCARD_HOSTS = {"0.0.0.0", "::", ""}


def default_workers(cpus: int | None = None, vendor: str | None = None) -> int:
    """Return the default number of worker processes for the cores and the database engine.

    PostgreSQL: gunicorn's usual 2 × cores + 1, capped (each one holds a whole Django process).
    SQLite: one per core. SQLite has one writer at a time, and a writer that finds the lock taken
    sleeps in steps of up to 100 ms before it tries again: more processes than cores only add such
    waits (the slowest reports took four times longer with 5 workers than with 2 on 2 cores, for the
    same reports per second; `gridgov bench intake`).
    """
    cpus = cpus if cpus is not None else (os.cpu_count() or 1)
    vendor = vendor if vendor is not None else connections["default"].vendor
    if vendor == "sqlite":
        return max(1, min(cpus, MAX_WORKERS))
    return max(1, min(2 * cpus + 1, MAX_WORKERS))


def bind_address(host: str, port: int) -> str:
    """Return the gunicorn bind string; IPv6 addresses go in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def public_url(host: str, port: int) -> str:
    """Return the URL to open in a browser for the host the server listens on."""
    shown = "127.0.0.1" if host in WILDCARD_HOSTS else host
    return f"http://{bind_address(shown, port)}/"


class GridgovServer(BaseApplication):
    """A gunicorn application serving `gridgov.wsgi:application` with settings given in code."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.settings.items():
            self.cfg.set(key, value)
        # gunicorn ≥ 24 opens a control socket in the home directory by default: two servers on one
        # machine would fight over it, and nothing here uses it.
        if "control_socket_disable" in self.cfg.settings:
            self.cfg.set("control_socket_disable", True)

    def load(self) -> Any:
        from gridgov.wsgi import application

        return application


class Command(BaseCommand):
    help = gettext_noop("Serve gridgov with gunicorn (defaults from GRIDGOV_HOST, PORT, GRIDGOV_WORKERS).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = _(self.help)
        parser.add_argument(
            "--host", default=env_str("GRIDGOV_HOST", "127.0.0.1"), help=_("Address to listen on.")
        )
        parser.add_argument(
            "--port",
            type=int,
            default=env_int("PORT", env_int("GRIDGOV_PORT", 8000)),
            help=_("Port."),
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=env_int("GRIDGOV_WORKERS", env_int("WEB_CONCURRENCY", default_workers())),
            help=_(
                "Worker processes (default: 2 × cores + 1 on PostgreSQL, one per core on SQLite; at most 8)."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host, port, workers = options["host"], options["port"], options["workers"]
        if not 0 < port < 65536:
            raise CommandError(_("The port must be between 1 and 65535, not %(port)s.") % {"port": port})
        if workers < 1:
            raise CommandError(_("At least one worker is needed."))
        self.stdout.write(
            ngettext(
                "Serving gridgov on %(url)s with %(workers)d worker (Ctrl+C stops).",
                "Serving gridgov on %(url)s with %(workers)d workers (Ctrl+C stops).",
                workers,
            )
            % {"url": public_url(host, port), "workers": workers}
        )
        self.stdout.flush()
        # Workers are forked from this process: they must not share its database connections.
        connections.close_all()
        GridgovServer(
            {
                "bind": bind_address(host, port),
                "workers": workers,
                "proc_name": "gridgov",
                "accesslog": "-",
                "errorlog": "-",
                "timeout": 60,
                "graceful_timeout": 10,
            }
        ).run()
