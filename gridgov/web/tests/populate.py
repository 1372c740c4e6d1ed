"""Buildings, households and residents for page tests (real rows, made quickly)."""

from __future__ import annotations

import itertools

from django.conf import settings

from gridgov.lib.crypto import cipher_for
from gridgov.people.models import Resident
from gridgov.territory.models import Building, Grid, Household

_serial = itertools.count(1)


def populate(grid: Grid, buildings: int = 2, households: int = 3, residents: int = 2, tags: str = "") -> None:
    """Give the grid buildings with households and residents; `tags` goes on each first resident."""
    cipher = cipher_for(settings.FIELD_ENCRYPTION_KEY)
    for b in range(buildings):
        number = next(_serial)
        building = Building.objects.create(
            code=f"{grid.code}-{number}",
            community=grid.community,
            grid=grid,
            name=f"测试小区{number}栋",
            address=f"株洲市石峰区测试小区{number}栋",
            address_key=f"测试小区{number}栋",
            lon=113.105,
            lat=27.865,
        )
        for h in range(households):
            household = Household.objects.create(building=building, unit="1", room=f"{b + 1}0{h + 1}")
            for r in range(residents):
                serial = f"{next(_serial):06d}"
                Resident.objects.create(
                    household=household,
                    name=f"居民{serial}",
                    gender="M",
                    id_number_encrypted=cipher.encrypt(serial),
                    id_number_hash=cipher.lookup_hash(serial),
                    care_tags=tags if r == 0 else "",
                )
