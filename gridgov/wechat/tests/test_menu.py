"""`gridgov wechat-menu`: the 随手拍 menu printed, checked against WeChat's limits, and created with --commit."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import requests
from django.core.management import CommandError, call_command

from gridgov.cli import main
from gridgov.wechat import menu as wechat_menu
from gridgov.wechat.client import Client, WechatError
from gridgov.wechat.config import MENU_KEY, config
from gridgov.wechat.models import AccessToken
from gridgov.wechat.stub import ApiStub

SITE = "https://gridgov.example.org"
DEFAULT_MENU = {
    "button": [
        {"type": "click", "name": "Report", "key": MENU_KEY},
        {"type": "view", "name": "Progress", "url": f"{SITE}/track/"},
        {"type": "view", "name": "Notices", "url": f"{SITE}/notices/"},
    ]
}
# A district's own menu, in Chinese, with a group of sub-buttons.
OWN_MENU = {
    "button": [
        {"type": "click", "name": "随手拍", "key": MENU_KEY},
        {
            "name": "办事服务",
            "sub_button": [
                {"type": "view", "name": "进度查询", "url": f"{SITE}/track/"},
                {"type": "view", "name": "服务公告", "url": f"{SITE}/notices/"},
                {"type": "location_select", "name": "发送位置", "key": "SEND_PLACE"},
            ],
        },
    ]
}


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("wechat_menu", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args: str) -> str:
    """Run the command expecting a refusal; return all it said."""
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("wechat_menu", *args, stdout=out, stderr=err)
    return f"{out.getvalue()}{err.getvalue()}{raised.value}"


def menu_file(tmp_path: Path, menu: Any) -> str:
    path = tmp_path / "menu.json"
    path.write_text(menu if isinstance(menu, str) else json.dumps(menu, ensure_ascii=False), encoding="utf-8")
    return str(path)


def printed_body(out: str) -> Any:
    """Return the JSON body the command printed (everything from its first "{" to its last "}")."""
    return json.loads(out[out.index("{") : out.rindex("}") + 1])


def test_the_dry_run_prints_the_default_menu_and_sends_nothing(account: ApiStub) -> None:
    out, _ = run()

    assert "Report  [click] SNAP_REPORT" in out
    assert f"Progress  [view] {SITE}/track/" in out
    assert f"Notices  [view] {SITE}/notices/" in out
    assert printed_body(out) == DEFAULT_MENU
    assert "Dry run: nothing was sent" in out
    assert account.calls == []
    assert account.menu is None


def test_commit_creates_exactly_the_default_menu(account: ApiStub, db: None) -> None:
    out, _ = run("--commit")

    assert "Menu created" in out
    assert account.menu == DEFAULT_MENU
    assert account.calls == ["/cgi-bin/token", "/cgi-bin/menu/create"]
    # WeChat's menu/get now answers it, each button with its list of sub-buttons.
    token = AccessToken.objects.get().token
    answer = requests.get(f"{account.base_url}/cgi-bin/menu/get", params={"access_token": token}, timeout=5)
    assert answer.json() == {"menu": {"button": [{**b, "sub_button": []} for b in DEFAULT_MENU["button"]]}}


def test_without_a_public_url_only_the_snap_button_is_made_and_the_command_says_why(
    account: ApiStub, settings: Any, db: None
) -> None:
    settings.GRIDGOV_PUBLIC_URL = ""

    out, _ = run("--commit")

    assert "GRIDGOV_PUBLIC_URL is not set" in out
    assert "“Progress” and “Notices” are left out" in out
    assert account.menu == {"button": [{"type": "click", "name": "Report", "key": MENU_KEY}]}


def test_a_menu_file_is_created_as_written_with_its_chinese_names_in_utf8(
    account: ApiStub, tmp_path: Path, db: None
) -> None:
    out, _ = run("--from", menu_file(tmp_path, OWN_MENU), "--commit")

    assert "      · 发送位置  [location_select] SEND_PLACE" in out
    assert account.menu == OWN_MENU
    # Sent as UTF-8, not as \u escapes: WeChat counts a name's bytes.
    (body,) = account.menu_bodies
    assert "随手拍".encode() in body and b"\\u" not in body


def test_a_name_wider_than_wechat_shows_is_sent_with_a_warning(
    account: ApiStub, tmp_path: Path, db: None
) -> None:
    # Five Chinese characters are 15 bytes, within the API's 16, but the menu shows only four.
    menu = {"button": [{"type": "click", "name": "随手拍上报", "key": MENU_KEY}]}

    out, _ = run("--from", menu_file(tmp_path, menu), "--commit")

    assert "Warning: Button 1: “随手拍上报” is longer than 4 Chinese characters" in out
    assert account.menu == menu


def test_a_default_label_translated_over_the_limit_is_refused(
    account: ApiStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The labels are translated messages: a translation must fit WeChat's 16 bytes too.
    monkeypatch.setattr(wechat_menu, "SNAP", "随手拍一下吧")

    said = refused("--commit")

    assert "Button 1: “name” is 18 bytes long in UTF-8; WeChat allows at most 16" in said
    assert account.calls == []


def _buttons(*buttons: Any) -> dict[str, Any]:
    return {"button": list(buttons)}


CLICK = {"type": "click", "name": "随手拍", "key": MENU_KEY}
LINK = {"type": "view", "name": "进度查询", "url": f"{SITE}/track/"}


@pytest.mark.parametrize(
    ("menu", "reason"),
    [
        ('{"button": [', "is not valid JSON (line 1, column 13"),
        ({"menu": {"button": [CLICK]}}, "must be a JSON object with a “button” list"),
        (_buttons(), "1 to 3 first-level buttons; it has 0"),
        (_buttons(CLICK, CLICK, LINK, LINK), "1 to 3 first-level buttons; it has 4"),
        (
            _buttons({**CLICK, "name": "随手拍随手拍"}),
            "Button 1: “name” is 18 bytes long in UTF-8; WeChat allows at most 16",
        ),
        (
            _buttons(CLICK, {"name": "更多", "sub_button": [{**LINK, "name": "很" * 21}]}),
            "Button 2, sub-button 1: “name” is 63 bytes long in UTF-8; WeChat allows at most 60",
        ),
        (
            _buttons({"name": "更多", "sub_button": [LINK] * 6}),
            "Button 1: a button needs 1 to 5 sub-buttons; it has 6",
        ),
        (
            _buttons({"name": "更多", "sub_button": []}),
            "Button 1: a button needs 1 to 5 sub-buttons; it has 0",
        ),
        (_buttons({**CLICK, "sub_button": [LINK]}), "either a “type” or sub-buttons, not both"),
        (
            _buttons({"name": "更多", "sub_button": [{**LINK, "sub_button": [CLICK]}]}),
            "sub-button 1: a sub-button cannot have sub-buttons of its own",
        ),
        (_buttons({**CLICK, "type": "tap"}), "“tap” is not a button type of the menu API"),
        (_buttons({"name": "随手拍", "key": MENU_KEY}), "Button 1: “type” is missing"),
        (_buttons({"type": "click", "key": MENU_KEY}), "Button 1: “name” is missing"),
        (_buttons({"type": "click", "name": "随手拍"}), "a “click” button needs “key”"),
        (
            _buttons({**CLICK, "key": "K" * 129}),
            "“key” is 129 bytes long in UTF-8; WeChat allows at most 128",
        ),
        (_buttons({**LINK, "url": f"{SITE}/?q={'x' * 1000}"}), "WeChat allows at most 1024"),
        (_buttons({**LINK, "url": "javascript:alert(1)"}), "“url” must be an http:// or https:// address"),
        (_buttons({**CLICK, "name": 7}), "“name” must be text"),
        (_buttons({**CLICK, "kee": "typo"}), "unknown field “kee”"),
        (_buttons("随手拍"), "a button must be a JSON object"),
    ],
)
def test_a_bad_menu_file_is_refused_with_the_reason_and_nothing_is_sent(
    account: ApiStub, tmp_path: Path, menu: Any, reason: str, db: None
) -> None:
    said = refused("--from", menu_file(tmp_path, menu), "--commit")

    assert reason in said
    assert "nothing was sent" in said.lower()
    assert account.calls == []
    assert account.menu is None


def test_a_menu_file_that_cannot_be_read_is_refused(account: ApiStub, tmp_path: Path) -> None:
    said = refused("--from", str(tmp_path / "missing.json"), "--commit")

    assert "Cannot read" in said and "missing.json" in said
    assert account.calls == []


def test_gridgov_wechat_menu_exits_non_zero_on_a_bad_file(
    account: ApiStub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = menu_file(tmp_path, _buttons(CLICK, CLICK, LINK, LINK))

    with pytest.raises(SystemExit) as exited:
        # The test settings fail the deployment checks (development SECRET_KEY), which run first.
        main(["gridgov", "wechat-menu", "--from", path, "--commit", "--skip-checks"])

    assert exited.value.code == 1
    assert "it has 4" in capsys.readouterr().err
    assert account.calls == []


def test_a_wechat_error_is_reported_with_its_code_and_message(account: ApiStub, db: None) -> None:
    account.fail_next("/cgi-bin/menu/create", 48001, "api unauthorized")

    said = refused("--commit")

    assert "WeChat refused the menu: errcode 48001, api unauthorized" in said
    assert account.menu is None


def test_a_stale_token_is_renewed_once_and_the_menu_created(account: ApiStub, db: None) -> None:
    run("--commit")
    account.expire_tokens()

    run("--commit")

    assert account.tokens_issued == 2
    assert account.calls.count("/cgi-bin/menu/create") == 3
    assert account.menu == DEFAULT_MENU


def test_commit_without_the_api_settings_sends_nothing(account: ApiStub, settings: Any) -> None:
    settings.GRIDGOV_WECHAT_SECRET = ""

    said = refused("--commit")

    assert "--commit needs GRIDGOV_WECHAT_APPID and GRIDGOV_WECHAT_SECRET" in said
    assert account.calls == []


def test_wechat_itself_refuses_a_menu_over_its_limits(account: ApiStub, db: None) -> None:
    # What the stub answers the client when the command's check is bypassed: WeChat's 40018.
    too_long = {"button": [{"type": "click", "name": "随手拍随手拍", "key": MENU_KEY}]}

    with pytest.raises(WechatError) as raised:
        Client(config()).create_menu(too_long)

    assert (raised.value.errcode, raised.value.errmsg) == (40018, "invalid button name size")
    assert account.menu is None
