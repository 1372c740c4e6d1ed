"""The grid's message inbox and the report made of a message, persona by persona."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from gridgov.cases.categories import guess_category
from gridgov.cases.models import Attachment, Case, Channel
from gridgov.cases.tests import factories as f
from gridgov.groups import actions
from gridgov.groups.models import GroupMessage
from gridgov.groups.stub import WecomStub
from gridgov.people.models import User
from gridgov.testing import MiniDistrict

INBOX = "/groups/messages/"
SENT = datetime(2026, 6, 23, 1, 30, tzinfo=UTC)
_ids = count(90001)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def signed_in(client: Client, user: User) -> Client:
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def forwarded(sender: str, text: str = "", media_id: str = "") -> GroupMessage:
    kind = GroupMessage.Kind.IMAGE if media_id else GroupMessage.Kind.TEXT
    message, _new = actions.receive(
        actions.Inbound(
            msg_id=str(next(_ids)),
            sender_userid=sender,
            kind=kind,
            sent_at=SENT,
            text=text,
            media_id=media_id,
        )
    )
    return message


def listed(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-message="(\d+)"', html)]


def test_the_inbox_lists_the_grids_messages_newest_first(
    client: Client, mini: MiniDistrict, accounts: dict[str, User]
) -> None:
    first = forwarded("zhangwangge", "楼道灯坏了")
    second = forwarded("zhangwangge", "垃圾没人收")
    forwarded("liwangge", "B1 的事")

    response = signed_in(client, mini.worker_a).get(INBOX)

    assert response.status_code == 200
    assert listed(response.text) == [second.pk, first.pk]
    assert f'href="/groups/messages/{second.pk}/report/"' in response.text


def test_a_message_is_shown_escaped(client: Client, mini: MiniDistrict, accounts: dict[str, User]) -> None:
    forwarded("zhangwangge", '<script>alert("x")</script>井盖丢了')

    html = signed_in(client, mini.worker_a).get(INBOX).text

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;井盖丢了" in html


def test_worker_b_cannot_see_a1s_messages(
    client: Client, mini: MiniDistrict, accounts: dict[str, User]
) -> None:
    message = forwarded("zhangwangge", "楼道灯坏了", media_id="")
    worker_b = signed_in(client, mini.worker_b)

    assert listed(worker_b.get(INBOX).text) == []
    assert worker_b.get(f"/groups/messages/{message.pk}/report/").status_code == 404
    assert worker_b.post(f"/groups/messages/{message.pk}/report/", {"description": "x"}).status_code == 404
    assert worker_b.get(f"/groups/messages/{message.pk}/photo/").status_code == 404
    assert not Case.objects.exists()


@pytest.mark.parametrize("persona", ["police_a", "handler", "street_dispatcher"])
def test_who_holds_no_grid_worker_post_has_no_inbox(
    client: Client, mini: MiniDistrict, accounts: dict[str, User], persona: str
) -> None:
    assert signed_in(client, getattr(mini, persona)).get(INBOX).status_code == 403


def test_messages_of_unknown_senders_wait_for_the_district_dispatchers(
    client: Client, mini: MiniDistrict, accounts: dict[str, User]
) -> None:
    stray = forwarded("stranger", "路灯坏了")

    assert listed(signed_in(client, mini.dispatcher).get(INBOX).text) == [stray.pk]
    client.logout()
    assert listed(signed_in(client, mini.worker_a).get(INBOX).text) == []


def test_the_report_form_is_prefilled_from_the_message(
    client: Client, mini: MiniDistrict, accounts: dict[str, User]
) -> None:
    message = forwarded("zhangwangge", "3栋楼下两户邻居因为停车位吵架")

    html = signed_in(client, mini.worker_a).get(f"/groups/messages/{message.pk}/report/").text

    assert "3栋楼下两户邻居因为停车位吵架</textarea>" in html
    assert f'<option value="{mini.grid_a1.code}" selected>' in html
    guess = guess_category("3栋楼下两户邻居因为停车位吵架")
    assert guess is not None
    assert (
        f'<option value="{guess.category.pk}" selected>{guess.category.code} {guess.category.name}</option>'
        in html
    )


def test_making_a_report_files_a_wecom_case_and_links_the_message(
    client: Client, mini: MiniDistrict, accounts: dict[str, User]
) -> None:
    message = forwarded("zhangwangge", "3栋楼下两户邻居因为停车位吵架")
    worker = signed_in(client, mini.worker_a)

    response = worker.post(
        f"/groups/messages/{message.pk}/report/",
        {
            "description": "3栋楼下两户邻居因为停车位吵架",
            "grid": mini.grid_a1.code,
            "category": f.matter(f.DISPUTE).pk,
        },
        follow=True,
    )

    case = Case.objects.get()
    assert (case.channel, case.grid, case.reported_by, case.category) == (
        Channel.WECOM,
        mini.grid_a1,
        mini.worker_a,
        f.matter(f.DISPUTE),
    )
    assert 113.10 < case.lon < 113.11 and 27.86 < case.lat < 27.87  # the grid's centre
    assert GroupMessage.objects.get(pk=message.pk).case == case
    assert f'data-reported="{case.tracking_no}"' in response.text
    assert f"Reported as {case.tracking_no}." in response.text


def test_a_message_is_reported_once(client: Client, mini: MiniDistrict, accounts: dict[str, User]) -> None:
    message = forwarded("zhangwangge", "楼道灯坏了")
    data = {"description": "楼道灯坏了", "grid": mini.grid_a1.code}
    worker = signed_in(client, mini.worker_a)
    worker.post(f"/groups/messages/{message.pk}/report/", data)

    again = worker.post(f"/groups/messages/{message.pk}/report/", data, follow=True)

    assert Case.objects.count() == 1
    assert "This message was already reported as" in again.text
    with pytest.raises(actions.Refused):
        actions.report_message(mini.worker_a, message, description="楼道灯坏了", grid=mini.grid_a1)
    assert Case.objects.count() == 1


def test_a_stale_copy_of_a_reported_message_cannot_make_a_second_case(
    mini: MiniDistrict, accounts: dict[str, User]
) -> None:
    message = forwarded("zhangwangge", "楼道灯坏了")
    stale = GroupMessage.objects.get(pk=message.pk)
    actions.report_message(mini.worker_a, message, description="楼道灯坏了", grid=mini.grid_a1)

    with pytest.raises(actions.Refused):
        actions.report_message(mini.worker_a, stale, description="楼道灯坏了", grid=mini.grid_a1)

    assert Case.objects.count() == 1  # the second case was rolled back with the refused link


def test_a_stale_copy_reported_with_a_photo_leaves_no_file_in_storage(
    mini: MiniDistrict, accounts: dict[str, User], tmp_path: Path
) -> None:
    message = forwarded("zhangwangge", "井盖丢了")
    stale = GroupMessage.objects.get(pk=message.pk)
    actions.report_message(
        mini.worker_a, message, description="井盖丢了", grid=mini.grid_a1, photos=[f.photo()]
    )
    kept = sorted(path for path in tmp_path.rglob("*") if path.is_file())

    with pytest.raises(actions.Refused):
        actions.report_message(
            mini.worker_a, stale, description="井盖丢了", grid=mini.grid_a1, photos=[f.photo("PNG")]
        )

    assert sorted(path for path in tmp_path.rglob("*") if path.is_file()) == kept and len(kept) == 1
    assert Attachment.objects.count() == 1  # the photo of the rolled-back case is gone from storage too


def test_a_photo_message_reports_with_the_photo_fetched_from_wecom(
    client: Client, mini: MiniDistrict, accounts: dict[str, User], stub: WecomStub
) -> None:
    stub.add_media("MEDIA-A1", f.photo())
    message = forwarded("zhangwangge", media_id="MEDIA-A1")

    signed_in(client, mini.worker_a).post(
        f"/groups/messages/{message.pk}/report/",
        {"description": "井盖丢了", "grid": mini.grid_a1.code, "with_photo": "on"},
    )

    case = Case.objects.get()
    assert Attachment.objects.filter(case=case, kind=Attachment.Kind.REPORT).count() == 1


def test_a_photo_wecom_no_longer_has_is_a_form_error_and_nothing_is_written(
    client: Client, mini: MiniDistrict, accounts: dict[str, User], stub: WecomStub
) -> None:
    message = forwarded("zhangwangge", media_id="EXPIRED-MEDIA")

    response = signed_in(client, mini.worker_a).post(
        f"/groups/messages/{message.pk}/report/",
        {"description": "井盖丢了", "grid": mini.grid_a1.code, "with_photo": "on"},
    )

    assert response.status_code == 200
    assert "The photo could not be fetched from WeCom" in response.text and "40007" in response.text
    assert not Case.objects.exists() and GroupMessage.objects.get(pk=message.pk).case is None


def test_the_photo_is_shown_without_its_metadata(
    client: Client, mini: MiniDistrict, accounts: dict[str, User], stub: WecomStub
) -> None:
    exif = Image.Exif()
    exif[0x010F] = "SecretPhoneMaker"  # Make
    stub.add_media("MEDIA-EXIF", f.photo(exif=exif.tobytes()))
    message = forwarded("zhangwangge", media_id="MEDIA-EXIF")

    response = signed_in(client, mini.worker_a).get(f"/groups/messages/{message.pk}/photo/")

    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"SecretPhoneMaker" not in response.content and b"Exif" not in response.content


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"description": ""}, "This field is required."),
        ({"description": "长" * 4001}, "Ensure this value has at most 4000 characters"),
        ({"description": "楼道灯坏了", "address": "火星路1号"}, "The address names no building"),
        ({"description": "楼道灯坏了", "grid": "430204001002001"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_a_clear_error_and_nothing_is_written(
    client: Client, mini: MiniDistrict, accounts: dict[str, User], data: dict[str, str], error: str
) -> None:
    message = forwarded("zhangwangge", "楼道灯坏了")
    data = {"grid": mini.grid_a1.code, **data}

    response = signed_in(client, mini.worker_a).post(f"/groups/messages/{message.pk}/report/", data)

    assert response.status_code == 200 and error in response.text
    assert not Case.objects.exists()


def test_the_inbox_costs_the_same_queries_for_few_or_many_messages(
    client: Client, mini: MiniDistrict, accounts: dict[str, User]
) -> None:
    worker = signed_in(client, mini.worker_a)
    reported = forwarded("zhangwangge", "楼道灯坏了")
    actions.report_message(mini.worker_a, reported, description="楼道灯坏了", grid=mini.grid_a1)
    worker.get(INBOX)
    with CaptureQueriesContext(connection) as few:
        worker.get(INBOX)
    for n in range(10):
        forwarded("zhangwangge", f"消息 {n}")
    other = forwarded("zhangwangge", "垃圾没人收")
    actions.report_message(mini.worker_a, other, description="垃圾没人收", grid=mini.grid_a1)

    with CaptureQueriesContext(connection) as many:
        html = worker.get(INBOX).text

    assert len(listed(html)) == 12
    assert len(many) == len(few)


def test_a_district_dispatcher_places_a_report_of_an_unknown_senders_message(
    client: Client, mini: MiniDistrict, accounts: dict[str, User]
) -> None:
    stray = forwarded("stranger", "云峰社区路灯坏了")

    signed_in(client, mini.dispatcher).post(
        f"/groups/messages/{stray.pk}/report/", {"description": "云峰社区路灯坏了", "grid": mini.grid_b1.code}
    )

    case = Case.objects.get()
    assert (case.grid, case.reported_by, case.channel) == (mini.grid_b1, mini.dispatcher, Channel.WECOM)
    assert GroupMessage.objects.get(pk=stray.pk).case == case
