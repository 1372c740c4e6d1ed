"""The reports themselves: matter, place, words, reporter and tracking number of each demo case."""

from __future__ import annotations

import random
import string
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from django.conf import settings

from gridgov.cases.actions.tracking import format_tracking_no
from gridgov.cases.demo import texts
from gridgov.cases.demo.mix import MatterPicker, Moment
from gridgov.cases.demo.story import Draft
from gridgov.cases.demo.timeline import Timeline
from gridgov.cases.demo.world import CategoryInfo, GridInfo, Place, Staff, jitter
from gridgov.cases.models import Category, Channel, TrackingCounter
from gridgov.cases.workflow import OPEN
from gridgov.lib.crypto import cipher_for
from gridgov.lib.worktime import SHANGHAI
from gridgov.people.models import Role
from gridgov.territory.demo import names
from gridgov.territory.demo.residents import MOBILE_PREFIXES
from gridgov.territory.locator import Locator

# How residents reach us through each channel: share giving a name, share giving a phone.
CONTACT: dict[str, tuple[float, float]] = {
    Channel.SNAP: (0.7, 0.95),
    Channel.WECHAT: (0.6, 0.6),
    Channel.HOTLINE: (0.8, 1.0),
    Channel.WECOM: (0.9, 0.5),
    Channel.DESK: (1.0, 0.9),
}
DUPLICATE_SHARE = 0.012
DUPLICATE_WINDOW = timedelta(hours=72)
OPENID = string.ascii_letters + string.digits + "-_"


@dataclass(frozen=True)
class Spot:
    """Where a report is: a point near a building, its grid by the locator, and the building."""

    lon: float
    lat: float
    grid_id: int
    place: Place


def spots(rng: random.Random, places: Sequence[Place], count: int, locator: Locator) -> list[Spot]:
    """Return `count` points near random buildings, each in the grid the locator finds for it."""
    chosen = [places[rng.randrange(len(places))] for _ in range(count)]
    points = [jitter(rng, place.lon, place.lat) for place in chosen]
    if not points:
        return []
    found = locator.locate_many(np.array([p[0] for p in points]), np.array([p[1] for p in points]))
    result = []
    for place, (lon, lat), grid in zip(chosen, points, found.tolist(), strict=True):
        # A point jittered out of the district falls back on its building, which lies in a grid.
        result.append(
            Spot(lon, lat, grid, place) if grid >= 0 else Spot(place.lon, place.lat, place.grid_id, place)
        )
    return result


class TrackingNumbers:
    """Hand out tracking numbers per day after those already taken, and report the counters to store."""

    def __init__(self, first: date, last: date) -> None:
        self.taken = dict(
            TrackingCounter.objects.filter(day__gte=first, day__lte=last).values_list("day", "last")
        )
        self.used: dict[date, int] = {}

    def next(self, at: datetime) -> str:
        day = at.astimezone(SHANGHAI).date()
        number = self.used.get(day, self.taken.get(day, 0)) + 1
        self.used[day] = number
        return format_tracking_no(day, number)


class DraftMaker:
    """Make the drafts of the cases, in time order, with their reporters' details encrypted."""

    def __init__(
        self,
        rng: random.Random,
        picker: MatterPicker,
        categories: dict[str, tuple[Category, CategoryInfo]],
        grids: dict[int, GridInfo],
        staff: Staff,
        numbers: TrackingNumbers,
    ) -> None:
        self.rng, self.picker, self.categories = rng, picker, categories
        self.grids, self.staff, self.numbers = grids, staff, numbers
        self.cipher = cipher_for(settings.FIELD_ENCRYPTION_KEY)
        self.recent: deque[tuple[Draft, Timeline]] = deque()

    def draft(self, pk: int, moment: Moment, spot: Spot) -> Draft:
        """Return the draft of the report at the moment and spot (sometimes a duplicate of a recent one)."""
        while self.recent and moment.at - self.recent[0][0].at > DUPLICATE_WINDOW:
            self.recent.popleft()
        original = self._original(moment)
        if original is not None:
            return self._duplicate(pk, moment, *original)
        matter = self.picker.pick(
            self.rng, moment.at.astimezone(SHANGHAI).month, moment.channel == Channel.PATROL
        )
        category, info = self.categories[matter.code]
        grid = self.grids.get(spot.grid_id) or self.grids[spot.place.grid_id]
        words = texts.place_phrase(self.rng, matter.code, spot.place.name, spot.place.estate)
        draft = Draft(
            id=pk,
            tracking_no=self.numbers.next(moment.at),
            at=moment.at,
            channel=moment.channel,
            category=category,
            info=info,
            matter=matter,
            grid=grid,
            lon=spot.lon,
            lat=spot.lat,
            address=spot.place.address,
            description=texts.description(self.rng, matter.code, moment.channel, words),
            building=spot.place.name,
            estate=spot.place.estate,
        )
        self._reporter(draft)
        return draft

    def remember(self, draft: Draft, timeline: Timeline) -> None:
        """Keep a played case for a while: a later report may be its duplicate."""
        if draft.duplicate_of is None:
            self.recent.append((draft, timeline))

    def _original(self, moment: Moment) -> tuple[Draft, Timeline] | None:
        """Return a recent open case a resident reports again, now and then."""
        if moment.channel == Channel.PATROL or not self.recent or self.rng.random() >= DUPLICATE_SHARE:
            return None
        for draft, timeline in reversed(self.recent):
            if timeline.status_at(moment.at) in OPEN:
                return draft, timeline
        return None

    def _duplicate(self, pk: int, moment: Moment, original: Draft, timeline: Timeline) -> Draft:
        lon, lat = jitter(self.rng, original.lon, original.lat, metres=15)
        code = original.matter.code
        words = texts.place_phrase(self.rng, code, original.building, original.estate)
        draft = Draft(
            id=pk,
            tracking_no=self.numbers.next(moment.at),
            at=moment.at,
            channel=moment.channel,
            category=original.category,
            info=original.info,
            matter=original.matter,
            grid=original.grid,
            lon=lon,
            lat=lat,
            address=original.address,
            description=texts.description(self.rng, code, moment.channel, words),
            building=original.building,
            estate=original.estate,
            duplicate_of=(original, timeline),
        )
        self._reporter(draft)
        return draft

    def _reporter(self, draft: Draft) -> None:
        """Fill in who reported: the grid worker on patrol, or a resident with a name and phone."""
        rng = self.rng
        if draft.channel == Channel.PATROL:
            draft.reported_by = self.staff.team.get((draft.grid.grid.pk, Role.GRID_WORKER))
            return
        named, phoned = CONTACT.get(draft.channel, (0.5, 0.5))
        if rng.random() < named:
            gender = rng.choice("MF")
            draft.reporter_name = names.person_name(rng, gender, rng.randint(1945, 2005))
        if draft.channel == Channel.WECHAT:
            draft.contact = "wechat:o" + "".join(rng.choices(OPENID, k=27))
        if rng.random() < phoned:
            draft.phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"

    def encrypted_phone(self, phone: str) -> tuple[str, str, str]:
        """Return the phone encrypted, its keyed hash and its last four digits, as intake stores them."""
        return (*self.cipher.seal(phone), phone[-4:])
