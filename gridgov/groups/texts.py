"""The words of group posts, in the site's language: what a grid's resident group reads.

A post names the matter, never the people: tracking number, category, place, status and the link
to the public progress page. No reporter's name or phone, no description (residents write names
and numbers into it). In the address, digits that look like a phone number and the reporter's own
name are masked too.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.cases.models import Case, Status
from gridgov.groups import config
from gridgov.groups.models import ServiceNotice
from gridgov.territory.models import Grid

# WeCom refuses robot text messages longer than 2,048 bytes (UTF-8).
MAX_BYTES = 2048
PHONE_LIKE = re.compile(r"\d[\d\s-]{5,}\d")
HEADINGS = {
    # Translators: first line of a group post about a new matter, 【新事项】
    "group_new": gettext_lazy("[New matter]"),
    # Translators: first line of a group post when the work is reported done, 【已处置，待核查】
    "group_handled": gettext_lazy("[Handled, being verified]"),
    # Translators: first line of a group post when a matter is closed, 【已办结】
    "group_closed": gettext_lazy("[Closed]"),
}


def absolute(path: str) -> str:
    """Return the path as a link on the public site (GRIDGOV_PUBLIC_URL), or the path alone."""
    return f"{config.public_url()}{path}"


def mask_digits(text: str) -> str:
    """Mask runs of digits long enough to be a phone number."""
    return PHONE_LIKE.sub("***", text)


def scrub(address: str, reporter_name: str) -> str:
    """Return the address without phone-like digits and without the reporter's name."""
    place = mask_digits(address.strip())
    name = reporter_name.strip()
    return place.replace(name, "**") if name else place


def fit(text: str, limit: int = MAX_BYTES) -> str:
    """Return the text cut to at most `limit` UTF-8 bytes (with an ellipsis when cut)."""
    if len(text.encode()) <= limit:
        return text
    cut = text.encode()[: limit - len("…".encode())].decode(errors="ignore")
    return cut + "…"


def case_post(case: Case, kind: str, status: str) -> str:
    """Return the group post about the case event of the kind, the case being in the status."""
    with translation.override(settings.LANGUAGE_CODE):
        place = scrub(case.address, case.reporter_name) or (case.grid.name if case.grid else "")
        lines = [
            str(HEADINGS[kind]),
            _("Tracking number: %(no)s") % {"no": case.tracking_no},
            _("Category: %(name)s")
            % {"name": case.category.name if case.category else _("to be classified")},
            _("Place: %(place)s") % {"place": place},
            _("Status: %(status)s") % {"status": Status(status).label if status in Status.values else status},
            _("Progress: %(url)s") % {"url": absolute(reverse("track:case", args=[case.tracking_no]))},
        ]
        return fit("\n".join(lines))


def _span(notice: ServiceNotice) -> str:
    start, end = timezone.localtime(notice.starts_at), timezone.localtime(notice.ends_at)
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"


def notice_post(notice: ServiceNotice) -> str:
    """Return the group post of a service notice: kind, title, time, text and the public page."""
    with translation.override(settings.LANGUAGE_CODE):
        head = f"【{notice.get_kind_display()}】{notice.title}"
        when = _("Time: %(span)s") % {"span": _span(notice)}
        link = _("Details: %(url)s") % {"url": absolute(reverse("notices:detail", args=[notice.pk]))}
        frame = f"{head}\n{when}\n\n\n{link}"
        body = fit(notice.body.strip(), MAX_BYTES - len(frame.encode()))
        return f"{head}\n{when}\n\n{body}\n{link}"


def withdrawal_post(notice: ServiceNotice) -> str:
    """Return the group post saying a notice no longer holds."""
    with translation.override(settings.LANGUAGE_CODE):
        head = _("[Withdrawn] %(kind)s: %(title)s") % {
            "kind": notice.get_kind_display(),
            "title": notice.title,
        }
        text = _("The notice for %(span)s no longer holds.") % {"span": _span(notice)}
        return fit(f"{head}\n{text}")


def trial_post(grid: Grid) -> str:
    """Return the test post a grid worker sends to check the robot."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Test message from gridgov: this group will hear about the matters of %(grid)s.") % {
            "grid": grid.name
        }
