"""Address text → building → grid, by the normalised building key of `gridgov.lib.address`.

Buildings store `address_key = building_key(address)`. A query is normalised the same way and the
longest known key found inside it wins, so extra prefixes ("株洲市石峰区清水塘街道…", a community
name) and suffixes (unit, room, "附近") do not matter. A key that is only a building number ("2栋")
matches only a query that is exactly that, and a key never starts or ends inside a run of digits
("起重生活区12栋" does not contain building "起重生活区2栋"). Two buildings with the same key are told
apart by community when one is given; otherwise the address is ambiguous and nothing matches.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save

from gridgov.lib.address import building_part, normalise_address, split_unit_room
from gridgov.territory.models import Building, Grid

_BARE_BUILDING = re.compile(r"[0-9A-Z]+栋")


@dataclass(frozen=True, slots=True)
class Entry:
    """What the index keeps of a building: enough to answer without loading the row."""

    building_id: int
    community_id: int
    grid_id: int | None


@dataclass(frozen=True)
class AddressMatch:
    """A located address: the building, its grid (None when the building lies outside every grid)."""

    building: Building
    grid: Grid | None
    unit: str
    room: str


class AddressIndex:
    """An in-memory map from building keys to buildings."""

    def __init__(self, entries: Iterable[tuple[str, Entry]]) -> None:
        self._by_key: dict[str, list[Entry]] = defaultdict(list)
        for key, entry in entries:
            if key:
                self._by_key[key].append(entry)
        # Longest first: the first length that finds a key gives the most specific match.
        self._lengths = sorted({len(key) for key in self._by_key}, reverse=True)

    @classmethod
    def from_buildings(cls, buildings: Iterable[Building]) -> AddressIndex:
        """Return an index of the given buildings (by their `address_key`)."""
        return cls((b.address_key, Entry(b.pk, b.community_id, b.grid_id)) for b in buildings)

    @classmethod
    def load(cls) -> AddressIndex:
        """Return an index of every building in the database."""
        rows = Building.objects.values_list("address_key", "id", "community_id", "grid_id").iterator(2000)
        return cls((key, Entry(pk, community, grid)) for key, pk, community, grid in rows)

    def __len__(self) -> int:
        return sum(len(entries) for entries in self._by_key.values())

    def add(self, key: str, entry: Entry) -> None:
        """Add one building (an importer adds the buildings it is about to create)."""
        if key not in self._by_key:
            self._lengths = sorted({*self._lengths, len(key)}, reverse=True)
        self._by_key[key].append(entry)

    def candidates(self, text: str, community_id: int | None = None) -> list[Entry]:
        """Return the buildings of the longest key found in the text (several when it is ambiguous)."""
        return self.candidates_of_normal(normalise_address(text), community_id)

    def candidates_of_normal(self, normal: str, community_id: int | None = None) -> list[Entry]:
        """Return the candidates for an address already normalised with `normalise_address`."""
        query = building_part(normal)
        if query in self._by_key:
            found = self._among(self._by_key[query], community_id)
            if found:
                return found
        # With a building number only suffixes of the building part can be keys; without one, the
        # key may sit anywhere in the text ("郭家塘村3组15号附近").
        return self._search(query, community_id, anywhere=query == normal and "栋" not in query)

    def match_entry(self, text: str, community_id: int | None = None) -> Entry | None:
        """Return the one building the text names, or None when unknown or ambiguous."""
        found = self.candidates(text, community_id)
        return found[0] if len(found) == 1 else None

    def match(self, text: str, community_id: int | None = None) -> Building | None:
        """Return the building the text names, or None when unknown or ambiguous."""
        entry = self.match_entry(text, community_id)
        if entry is None:
            return None
        return Building.objects.select_related("grid", "community").get(pk=entry.building_id)

    def _search(self, query: str, community_id: int | None, anywhere: bool) -> list[Entry]:
        size = len(query)
        for length in self._lengths:
            if length >= size:
                continue
            starts = range(size - length + 1) if anywhere else [size - length]
            for start in starts:
                key = query[start : start + length]
                if key in self._by_key and _is_whole(query, start, start + length):
                    found = self._among(self._by_key[key], community_id)
                    if found:
                        return found
        return []

    @staticmethod
    def _among(entries: list[Entry], community_id: int | None) -> list[Entry]:
        if community_id is None:
            return list(entries)
        return [entry for entry in entries if entry.community_id == community_id]


def _is_whole(text: str, start: int, end: int) -> bool:
    """Return whether text[start:end] may be a key: not cut out of a number, not a bare building number."""
    if start > 0 and text[start].isdigit() and text[start - 1].isdigit():
        return False
    if end < len(text) and text[end - 1].isdigit() and text[end].isdigit():
        return False
    return not _BARE_BUILDING.fullmatch(text[start:end])


# --- the process-wide index ------------------------------------------------------------------------

_lock = threading.Lock()
_cached: tuple[tuple[int, int | None], AddressIndex] | None = None


def get_address_index() -> AddressIndex:
    """Return the cached index of all buildings, rebuilt when buildings were added or removed."""
    global _cached
    summary = Building.objects.aggregate(count=Count("id"), last=Max("id"))
    fingerprint = (summary["count"], summary["last"])
    with _lock:
        if _cached is None or _cached[0] != fingerprint:
            _cached = (fingerprint, AddressIndex.load())
        return _cached[1]


def reset_address_index(**_kwargs: object) -> None:
    """Forget the cached index (after buildings were edited or imported)."""
    global _cached
    with _lock:
        _cached = None


# An edit that keeps the count and the last id (a renamed address) must still be seen.
post_save.connect(reset_address_index, sender=Building, dispatch_uid="address_index_reset_save")
post_delete.connect(reset_address_index, sender=Building, dispatch_uid="address_index_reset_delete")


def locate_address(text: str, community_id: int | None = None) -> AddressMatch | None:
    """Return the building, grid, unit and room an address names, or None when it names no one building."""
    entry = get_address_index().match_entry(text, community_id)
    if entry is None:
        return None
    building = Building.objects.select_related("grid").get(pk=entry.building_id)
    unit, room = split_unit_room(text)
    return AddressMatch(building=building, grid=building.grid, unit=unit, room=room)


__all__ = [
    "AddressIndex",
    "AddressMatch",
    "Entry",
    "get_address_index",
    "locate_address",
    "reset_address_index",
]
