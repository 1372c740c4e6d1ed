"""Headless Chromium on a phone: the grid worker opens the group messages and makes a report of one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from gridgov.cases.models import Case, Channel
from gridgov.groups import actions
from gridgov.groups.models import GroupMessage, WecomAccount
from gridgov.testing import PASSWORD, MiniDistrict

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(chromium: Any, live_server: Any) -> Iterator[Any]:
    """Open a phone-sized page on the live server; fail on any script error."""
    context = chromium.new_context(base_url=live_server.url, viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"script errors in the pages: {errors}"


def sideways_overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_a_grid_worker_makes_a_report_of_a_forwarded_message_on_the_phone(
    phone: Any, transactional_db: None, mini: MiniDistrict, settings: Any, tmp_path: Path, artifacts: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    WecomAccount.objects.create(user=mini.worker_a, userid="zhangwangge")
    text = "3栋楼道灯坏了一周了，老人晚上下楼看不见 https://example.org/" + "x" * 80
    message, _new = actions.receive(
        actions.Inbound(
            msg_id="88001",
            sender_userid="zhangwangge",
            kind=GroupMessage.Kind.TEXT,
            sent_at=datetime(2026, 6, 23, 1, 30, tzinfo=UTC),
            text=text,
        )
    )

    phone.goto("/login/")
    phone.fill("input[name=username]", mini.worker_a.username)
    phone.fill("input[name=password]", PASSWORD)
    phone.click("form[action='/login/'] button[type=submit]")
    phone.wait_for_url(lambda url: urlsplit(url).path == "/")
    phone.click("[data-nav=group_messages]")
    item = phone.locator(f"[data-message='{message.pk}']")
    assert "3栋楼道灯坏了一周了" in item.inner_text()
    assert sideways_overflow(phone) <= 0, "the message inbox is wider than the phone"
    phone.screenshot(path=artifacts / "groups-1-inbox-phone.png", full_page=True)

    item.locator("[data-make-report]").click()
    form = phone.locator("[data-testid=report-form]")
    assert form.locator("textarea[name=description]").input_value() == text
    assert form.locator("select[name=grid]").input_value() == mini.grid_a1.code
    assert sideways_overflow(phone) <= 0, "the report form is wider than the phone"
    phone.screenshot(path=artifacts / "groups-2-report-phone.png", full_page=True)
    form.locator("button[type=submit]").click()

    reported = phone.locator(f"[data-message='{message.pk}'] [data-reported]")
    reported.wait_for()
    case = Case.objects.get()
    assert reported.inner_text() == case.tracking_no
    assert (case.channel, case.grid_id, case.reported_by_id) == (
        Channel.WECOM,
        mini.grid_a1.pk,
        mini.worker_a.pk,
    )
    assert phone.locator(f"[data-message='{message.pk}'] [data-make-report]").count() == 0
    phone.screenshot(path=artifacts / "groups-3-reported-phone.png", full_page=True)
