"""A move or report that fails after storing its photos leaves no file behind; a committed one keeps them.

Storage is not transactional: the files are deleted again after the rollback, unless an attachment
row still names them (where the storage overwrites, the same photo attached twice is one file).
The first tests run inside the test's transaction, where each move's block is a savepoint; the
last ones commit and roll back for real (on PostgreSQL through the lazily begun `rows.atomic`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import translation

from gridgov.cases import actions, evidence
from gridgov.cases.actions import CaseChanged, common, patrol
from gridgov.cases.models import Attachment, Case, Channel
from gridgov.cases.tests import factories as f
from gridgov.testing import MiniDistrict

FILE_SYSTEM = "django.core.files.storage.FileSystemStorage"


class ChannelFailed(Exception):
    """What a channel's own step raises inside the report's transaction (`on_stored`)."""


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Iterator[Path]:
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield tmp_path


@pytest.fixture
def overwriting(settings: Any) -> None:
    """Use a storage that overwrites a file of the same name, as S3's does by default."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": FILE_SYSTEM, "OPTIONS": {"allow_overwrite": True}},
    }


def stored(media: Path) -> list[str]:
    """Return the names of the files in storage."""
    return sorted(path.relative_to(media).as_posix() for path in media.rglob("*") if path.is_file())


def fail(case: Case) -> None:
    raise ChannelFailed("the channel could not record the report")


def test_a_report_undone_after_storing_its_photos_leaves_no_file(mini: MiniDistrict, media: Path) -> None:
    with pytest.raises(ChannelFailed):
        f.report(photos=[f.photo(), f.photo("PNG")], on_stored=fail)

    assert stored(media) == []
    assert not Case.objects.exists() and not Attachment.objects.exists()


def test_a_move_that_fails_after_storing_its_photos_leaves_no_file(
    mini: MiniDistrict, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = f.handled(mini)
    before, rows = stored(media), f.counts()

    def notice_fails(*args: Any, **kwargs: Any) -> None:
        raise ChannelFailed("the notice could not be queued")

    monkeypatch.setattr(common, "tell_reporter", notice_fails)  # the move's step after its photos
    with pytest.raises(ChannelFailed):
        actions.verify_pass(f.fresh(case), mini.worker_a, photos=[f.photo("PNG"), f.photo("WEBP")])

    assert stored(media) == before and len(before) == 1
    assert f.counts() == rows


def test_a_committed_move_keeps_its_photos(mini: MiniDistrict, media: Path) -> None:
    case = f.handled(mini)

    actions.verify_pass(case, mini.worker_a, photos=[f.photo("PNG")])

    names = sorted(str(a.file.name) for a in Attachment.objects.filter(case=case))
    assert stored(media) == names and len(names) == 2
    verified = Attachment.objects.get(case=case, kind=Attachment.Kind.VERIFY)
    with default_storage.open(str(verified.file.name)) as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == verified.sha256


@pytest.mark.parametrize("storage", ["keeps names", "overwrites"])
def test_a_file_a_committed_attachment_names_stays_when_another_attach_of_it_fails(
    mini: MiniDistrict, media: Path, request: pytest.FixtureRequest, storage: str
) -> None:
    if storage == "overwrites":  # the second attach writes the first's file again, under its name
        request.getfixturevalue("overwriting")
    photo = f.photo()
    first = f.report(photos=[photo])
    (kept,) = Attachment.objects.filter(case=first)

    with pytest.raises(ChannelFailed):
        f.report(photos=[photo], point=f.B1_POINT, on_stored=fail)  # the same photo, for another case

    assert stored(media) == [kept.file.name]
    with default_storage.open(str(kept.file.name)) as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == kept.sha256
    assert list(Case.objects.all()) == [first]


def test_photos_of_a_move_inside_a_failing_outer_transaction_are_removed(
    mini: MiniDistrict, media: Path
) -> None:
    """A view's transaction.atomic around a move (as accept-and-dispatch's) fails after the move succeeded."""
    case = f.handled(mini)
    before, rows = stored(media), f.counts()

    with pytest.raises(CaseChanged), evidence.removed_on_failure(), transaction.atomic():
        actions.verify_pass(case, mini.worker_a, photos=[f.photo("PNG")])
        raise CaseChanged("the next step of the view found the case changed")

    assert stored(media) == before
    assert f.counts() == rows


def test_a_fix_on_patrol_whose_closing_fails_leaves_neither_photo(
    mini: MiniDistrict, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def changed(*args: Any, **kwargs: Any) -> None:
        raise CaseChanged("The case has changed since you opened it; reload and try again.")

    monkeypatch.setattr(patrol, "solve_in_grid", changed)  # the closing move loses to another's move
    with pytest.raises(CaseChanged):
        actions.report_fixed_on_patrol(
            mini.worker_a,
            "绿化带里有一堆暴露垃圾",
            lon=f.A1_POINT[0],
            lat=f.A1_POINT[1],
            category=f.GARBAGE,
            before_photos=[f.photo("PNG")],
            after_photos=[f.photo()],
        )

    assert stored(media) == []
    assert not Case.objects.filter(channel=Channel.PATROL).exists() and not Attachment.objects.exists()


# --- real commits and rollbacks ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_report_rolled_back_for_real_leaves_no_file(mini: MiniDistrict, media: Path) -> None:
    with pytest.raises(ChannelFailed):
        f.report(photos=[f.photo(), f.photo("PNG")], on_stored=fail)

    assert stored(media) == []
    assert not Case.objects.exists() and not Attachment.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_committed_photo_survives_the_rollback_of_a_second_attach_of_it(
    mini: MiniDistrict, media: Path, overwriting: None
) -> None:
    photo = f.photo()
    first = f.report(photos=[photo])
    (kept,) = Attachment.objects.filter(case=first)
    assert stored(media) == [kept.file.name]

    with pytest.raises(ChannelFailed):
        f.report(photos=[photo], point=f.B1_POINT, on_stored=fail)

    assert stored(media) == [kept.file.name]
    with default_storage.open(str(kept.file.name)) as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == kept.sha256
    assert list(Case.objects.all()) == [first]
