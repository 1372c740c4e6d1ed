"""Fixtures of the intake tests."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from PIL import Image


@pytest.fixture
def gcj02_tiles(settings: Any) -> None:
    """Draw the maps on a GCJ-02 base layer (one blank tile, so no tile service is needed)."""
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (238, 242, 246)).save(buffer, format="PNG")
    settings.MAP_TILES_URL = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    settings.MAP_TILES_CRS = "gcj02"
