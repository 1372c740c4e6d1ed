"""`gridgov api-token create USERNAME NAME | list [USERNAME] | revoke ID`: the staff's API tokens.

A new token is printed once and stored only as its hash; `list` shows each token's prefix, never the
token. Issuing and revoking take effect at once (a dry run cannot show a token that would work).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from gridgov.api import actions
from gridgov.api.models import ApiToken
from gridgov.people.models import User


class Command(BaseCommand):
    help = gettext_noop("Issue, list and revoke the API tokens of staff members.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = _(self.help)
        commands = parser.add_subparsers(dest="action", required=True, metavar="create|list|revoke")
        create = commands.add_parser("create", help=_("Issue a token to a staff member and print it once."))
        create.add_argument("username")
        create.add_argument("name", help=_("What the token is for (the app or integration)."))
        listing = commands.add_parser("list", help=_("List the tokens (all, or one staff member's)."))
        listing.add_argument("username", nargs="?")
        revoke = commands.add_parser("revoke", help=_("Revoke a token by the id that `list` shows."))
        revoke.add_argument("id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self._create(options["username"], options["name"])
        elif action == "list":
            self._list(options.get("username"))
        else:
            self._revoke(options["id"])

    def _create(self, username: str, name: str) -> None:
        user = _user(username)
        try:
            issued = actions.issue_token(user, name)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stderr.write(
            _("Token %(id)d “%(name)s” for %(user)s; it is shown only now, keep it safe:")
            % {"id": issued.token.pk, "name": issued.token.name, "user": user.username}
        )
        self.stdout.write(issued.secret)

    def _list(self, username: str | None) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("pk")
        if username:
            tokens = tokens.filter(user=_user(username))
        for token in tokens:
            self.stdout.write(
                "\t".join(
                    [
                        str(token.pk),
                        token.user.username,
                        token.name,
                        f"{token.prefix}…",
                        _when(token.created_at),
                        _("last used %(at)s") % {"at": _when(token.last_used_at)},
                        _("revoked %(at)s") % {"at": _when(token.revoked_at)}
                        if token.revoked_at
                        else _("active"),
                    ]
                )
            )

    def _revoke(self, pk: int) -> None:
        token = ApiToken.objects.filter(pk=pk).first()
        if token is None:
            raise CommandError(_("No token has the id %(id)d.") % {"id": pk})
        if actions.revoke_token(token):
            self.stdout.write(_("Revoked token %(id)d “%(name)s”.") % {"id": pk, "name": token.name})
        else:
            self.stdout.write(_("Token %(id)d was already revoked.") % {"id": pk})


def _user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(_("No staff member has the username “%(username)s”.") % {"username": username})
    return user


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"
