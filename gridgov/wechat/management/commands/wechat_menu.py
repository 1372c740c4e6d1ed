"""`gridgov wechat-menu [--from FILE] [--commit]`: the official account's custom menu (随手拍).

Prints the menu, checked against WeChat's documented limits; with `--commit` creates it through the
menu API, which replaces the account's current menu. Without `--from` it is the default menu: the
随手拍 button (key `SNAP_REPORT`, answered by the conversation) and links to /track/ and /notices/.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from gridgov.wechat import menu as wechat_menu
from gridgov.wechat.client import Client, WechatError
from gridgov.wechat.config import Config, config


class Command(BaseCommand):
    help = gettext_noop(
        "Print the official account's menu (随手拍, progress, notices; or the menu of a JSON file) and, "
        "with --commit, create it through WeChat's menu API. Without --commit nothing is sent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = _(self.help)
        parser.add_argument(
            "--from",
            dest="source",
            type=Path,
            metavar="FILE",
            help=_(
                'A JSON file holding the body of menu/create, {"button": [...]}, instead of the default menu.'
            ),
        )
        parser.add_argument(
            "--commit",
            action="store_true",
            help=_("Create the menu; it replaces the account's current menu."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        account = config()
        menu = self._menu(options["source"], account)
        self._check(menu)
        self.stdout.write(_("The menu:"))
        for line in wechat_menu.describe(menu):
            self.stdout.write(line)
        self.stdout.write(_("Body of POST /cgi-bin/menu/create:"))
        self.stdout.write(json.dumps(menu, ensure_ascii=False, indent=2))
        if not options["commit"]:
            self.stdout.write(_("Dry run: nothing was sent. Run again with --commit to create the menu."))
            return
        self._create(menu, account)

    def _menu(self, source: Path | None, account: Config) -> Any:
        if source is not None:
            try:
                return wechat_menu.load(source)
            except wechat_menu.MenuError as exc:
                raise CommandError(_("%(reason)s Nothing was sent.") % {"reason": exc}) from None
        menu, notes = wechat_menu.default_menu(account.public_url)
        for note in notes:
            self.stdout.write(self.style.WARNING(note))
        return menu

    def _check(self, menu: Any) -> None:
        """Print the menu's warnings; refuse it, sending nothing, if it breaks WeChat's limits."""
        result = wechat_menu.check(menu)
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(_("Warning: %(problem)s") % {"problem": warning}))
        for problem in result.problems:
            self.stderr.write(self.style.ERROR(_("Error: %(problem)s") % {"problem": problem}))
        if result.problems:
            raise CommandError(
                ngettext(
                    "%(count)d problem in the menu; nothing was sent.",
                    "%(count)d problems in the menu; nothing was sent.",
                    len(result.problems),
                )
                % {"count": len(result.problems)}
            )

    def _create(self, menu: dict[str, Any], account: Config) -> None:
        if not account.api_ready:
            raise CommandError(
                _("Nothing was sent: --commit needs GRIDGOV_WECHAT_APPID and GRIDGOV_WECHAT_SECRET.")
            )
        try:
            Client(account).create_menu(menu)
        except WechatError as exc:
            raise CommandError(
                _("WeChat refused the menu: errcode %(code)d, %(message)s")
                % {"code": exc.errcode, "message": exc.errmsg}
            ) from None
        except requests.RequestException as exc:
            raise CommandError(_("WeChat's API could not be reached: %(error)s") % {"error": exc}) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("Menu created. A follower sees it on opening the account, after at most 5 minutes.")
            )
        )
