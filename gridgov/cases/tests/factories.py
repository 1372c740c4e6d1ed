"""Helpers for the case-action tests: reports in the small test district and cases at each stage."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from gridgov.cases import actions
from gridgov.cases.models import Attachment, Case, Category, Channel, Task, Transition
from gridgov.notify.models import OutboxMessage
from gridgov.testing import MiniDistrict

# Points inside the grids of `gridgov.testing` (each grid a 0.01° square).
A1_POINT = (113.105, 27.865)
A2_POINT = (113.105, 27.875)
B1_POINT = (113.115, 27.875)
C1_POINT = (113.115, 27.865)
OUTSIDE = (113.2, 27.9)
PHONE = "13807312345"
# 邻里纠纷: a normal matter a dispatcher routes; 暴露垃圾: goes to the grid's cleaner by itself;
# 走失人员: an emergency.
DISPUTE = "S01001"
GARBAGE = "06010"
LOST_PERSON = "S03001"


def matter(code: str) -> Category:
    """Return the matter category with the code."""
    return Category.objects.get(code=code, kind=Category.Kind.MATTER)


def photo(fmt: str = "JPEG", size: tuple[int, int] = (16, 12), exif: bytes | None = None) -> bytes:
    """Return a small image of the format (optionally with EXIF) as bytes."""
    image = Image.new("RGB", size, (200, 80, 40))
    out = io.BytesIO()
    options: dict[str, Any] = {"exif": exif} if exif is not None else {}
    image.save(out, format=fmt, **options)
    return out.getvalue()


def report(point: tuple[float, float] = A1_POINT, code: str | None = DISPUTE, **kwargs: Any) -> Case:
    """Report a matter at the point with a reporter's phone, as a resident on the snap page."""
    values: dict[str, Any] = {
        "lon": point[0],
        "lat": point[1],
        "category": code,
        "reporter_name": "刘阿姨",
        "reporter_phone": PHONE,
        "description": "楼下两户邻居因为停车位吵架，已经好几天了",
    }
    values.update(kwargs)
    return actions.report_case(Channel.SNAP, values.pop("description"), **values)


def registered(mini: MiniDistrict, **kwargs: Any) -> Case:
    """Return a reported and accepted case in grid A1."""
    case = report(**kwargs)
    actions.accept(case, mini.dispatcher)
    return case


def dispatched(mini: MiniDistrict, **kwargs: Any) -> Case:
    """Return a case dispatched to the department "cgj" (lead)."""
    case = registered(mini, **kwargs)
    actions.dispatch(case, mini.dispatcher, lead=mini.department)
    return case


def in_progress(mini: MiniDistrict, **kwargs: Any) -> Case:
    """Return a case the department's handler signed for."""
    case = dispatched(mini, **kwargs)
    actions.sign(case, mini.handler)
    return case


def handled(mini: MiniDistrict, **kwargs: Any) -> Case:
    """Return a case the department reported done."""
    case = in_progress(mini, **kwargs)
    actions.report_done(case, mini.handler, photos=[photo()], outcome_quantity=2)
    return case


def closed(mini: MiniDistrict, **kwargs: Any) -> Case:
    """Return a case the grid worker of A1 verified and closed."""
    case = handled(mini, **kwargs)
    actions.verify_pass(case, mini.worker_a)
    return case


def counts() -> dict[str, int]:
    """Return the number of rows every move may write, to show that a refused move wrote none."""
    return {
        model.__name__: model.objects.count() for model in (Case, Transition, Task, OutboxMessage, Attachment)
    }


def fresh(case: Case) -> Case:
    """Return the case as stored now."""
    return Case.objects.get(pk=case.pk)


def last_transition(case: Case) -> Transition:
    """Return the case's latest transition."""
    return Transition.objects.filter(case=case).order_by("-seq").first()  # type: ignore[return-value]
