"""`gridgov open311-key create NAME [--limit N] | limit NAME N|default | list | revoke NAME`: Open311 API keys.

`create` prints the new key once; only its digest is stored, so a lost key is revoked and replaced,
never recovered. `--limit N` gives the key its own limit of reports an hour (0: none) instead of
`GRIDGOV_OPEN311_KEY_LIMIT_HOUR`; `limit` changes it later, keeping the key. Keys are made, limited and
revoked at once (no dry run): each action is the one change it names.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from gridgov.open311 import actions, limits
from gridgov.open311.models import ApiKey


class Command(BaseCommand):
    help = gettext_noop("Create, list or revoke the API keys of Open311 clients.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = _(self.help)
        actions_parser = parser.add_subparsers(
            dest="action", required=True, metavar="{create,limit,list,revoke}"
        )
        create = actions_parser.add_parser("create", help=_("Make a key for a client and print it once."))
        create.add_argument("name", help=_("The client's name, e.g. the app or partner system."))
        create.add_argument(
            "--limit",
            type=int,
            metavar="N",
            help=_("Reports an hour this key may file (0: no limit); without it, the default setting."),
        )
        limit = actions_parser.add_parser(
            "limit", help=_("Change the hourly limit of a client's active key.")
        )
        limit.add_argument("name")
        limit.add_argument(
            "limit",
            metavar="N|default",
            help=_("Reports an hour (0: no limit), or “default” for the default setting."),
        )
        actions_parser.add_parser("list", help=_("List the keys (never the keys themselves)."))
        revoke = actions_parser.add_parser("revoke", help=_("Revoke the active key of a client."))
        revoke.add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None

    def _create(self, options: dict[str, Any]) -> None:
        stored, key = actions.create_key(options["name"], hourly_limit=options["limit"])
        self.stderr.write(
            _("Key for “%(name)s” created. It is shown only now; only its digest is stored:")
            % {"name": stored.name}
        )
        # The key alone on stdout, so that a script can capture it.
        self.stdout.write(key)

    def _limit(self, options: dict[str, Any]) -> None:
        given = options["limit"].strip()
        if given == "default":
            hourly_limit = None
        elif given.isdigit():
            hourly_limit = int(given)
        else:
            raise CommandError(_("Give the limit as a whole number of reports an hour, or “default”."))
        key = actions.set_limit(options["name"], hourly_limit)
        self.stdout.write(
            _("Key of “%(name)s” (%(prefix)s…): %(limit)s.")
            % {"name": key.name, "prefix": key.prefix, "limit": _limit(key)}
        )

    def _list(self, options: dict[str, Any]) -> None:
        rows = ApiKey.objects.all()
        if not rows:
            self.stdout.write(_("No keys yet. Make one with `gridgov open311-key create NAME`."))
        for row in rows:
            state = _("revoked %(at)s") % {"at": _when(row.revoked_at)} if row.revoked_at else _("active")
            self.stdout.write(f"{row.name}\t{row.prefix}…\t{_when(row.created_at)}\t{_limit(row)}\t{state}")

    def _revoke(self, options: dict[str, Any]) -> None:
        key = actions.revoke_key(options["name"])
        self.stdout.write(
            _("Key of “%(name)s” (%(prefix)s…) revoked.") % {"name": key.name, "prefix": key.prefix}
        )


def _limit(key: ApiKey) -> str:
    """Return the key's hourly limit in words, saying when it is the default setting."""
    limit = limits.hourly_limit(key.hourly_limit)
    text = _("no limit") if not limit else _("%(limit)d reports/hour") % {"limit": limit}
    return text if key.hourly_limit is not None else _("%(limit)s (default)") % {"limit": text}


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
