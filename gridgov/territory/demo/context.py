"""The state shared by the phases of a demo build: sizes, random sources and what earlier phases made."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import numpy as np
from django.db import connection, models
from django.utils.translation import gettext as _
from shapely.geometry import Polygon

from gridgov.people.models import Department, User
from gridgov.territory.models import Community, District, Generation, Grid, Street

# The Shifeng model: 232 grids in 40 communities and 5 streets, about 2.6 residents per household.
MODEL_GRIDS, MODEL_COMMUNITIES, MODEL_STREETS = 232, 40, 5
RESIDENTS_PER_BUILDING = 52
DISTRICT_CODE, DISTRICT_NAME, CITY_NAME = "430204", "石峰区", "株洲市"
CENTER = (113.10, 27.87)
MODEL_RADIUS_KM = 8.0
# Ages and dates are counted from a fixed day, so that a seed gives the same data in any year.
REFERENCE_DATE = date(2025, 1, 1)
BATCH_SIZE = 2000

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Scale:
    """How big the demo district is; streets and communities follow the grid count of the model."""

    grids: int
    residents: int
    buildings: int
    communities: int
    streets: int

    @classmethod
    def of(cls, grids: int, residents: int, buildings: int | None = None) -> Scale:
        """Return the scale for a grid and resident count, in the proportions of Shifeng."""
        if grids < 1 or residents < 0:
            raise ValueError(_("A demo district needs at least one grid and cannot have negative residents."))
        communities = min(grids, max(3, round(grids * MODEL_COMMUNITIES / MODEL_GRIDS)))
        streets = min(communities, max(2, round(grids * MODEL_STREETS / MODEL_GRIDS)))
        if buildings is None:
            buildings = max(1, round(residents / RESIDENTS_PER_BUILDING)) if residents else 0
        if buildings < 0 or (residents and not buildings):
            raise ValueError(_("Residents need at least one building to live in."))
        return cls(grids, residents, buildings, communities, streets)

    @property
    def radius_km(self) -> float:
        """Return the outline radius that keeps grids the size of Shifeng's."""
        return MODEL_RADIUS_KM * math.sqrt(self.grids / MODEL_GRIDS)


@dataclass
class Demo:
    """What the phases share; each phase reads what earlier ones stored and adds its own."""

    seed: int
    scale: Scale
    rng: random.Random
    np_rng: np.random.Generator
    district: District | None = None
    generation: Generation | None = None
    streets: list[Street] = field(default_factory=list)
    communities: list[Community] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)
    # Aligned with `grids`: the boundary polygon of each grid.
    polygons: list[Polygon] = field(default_factory=list)
    departments: dict[str, Department] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def start(cls, seed: int, scale: Scale) -> Demo:
        """Return a fresh context with random sources derived from the seed only."""
        return cls(seed=seed, scale=scale, rng=random.Random(seed), np_rng=np.random.default_rng(seed))

    def sub_rng(self, name: str) -> random.Random:
        """Return a random source of its own for a phase, so phases do not shift each other's draws."""
        return random.Random(f"{self.seed}:{name}")

    def grids_of(self, community: Community) -> list[int]:
        """Return the indexes (into `grids`) of the community's grids, in code order."""
        index: dict[int, list[int]] = self.extra.setdefault("grids_by_community", {})
        if not index:
            for i, grid in enumerate(self.grids):
                index.setdefault(grid.community_id, []).append(i)
        return index.get(community.pk, [])


def bulk(model: type[M], objects: Sequence[M] | Iterable[M], batch_size: int = BATCH_SIZE) -> list[M]:
    """Insert the objects in batches and return them with their primary keys."""
    return model._default_manager.bulk_create(list(objects), batch_size=batch_size)


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> int:
    """Insert rows of plain values into the model's table with one prepared statement; return the count.

    `bulk_create` spends most of its time building SQL for each object; for hundreds of thousands
    of rows that need no primary key back, one `executemany` of a prepared INSERT is several times
    faster. Values must already be database-ready (no defaults or field conversions are applied).
    """
    if not rows:
        return 0
    quote = connection.ops.quote_name
    quoted = []
    for column in columns:
        field = model._meta.get_field(column)
        assert isinstance(field, models.Field) and field.column, (
            f"{column} is not a column of {model.__name__}"
        )
        quoted.append(quote(field.column))
    names = ", ".join(quoted)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks})", rows)
    return len(rows)
