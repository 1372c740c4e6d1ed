"""Where things are on a Leaflet map in the browser tests: tapping a shape, finding the pin."""

from __future__ import annotations

from typing import Any


def tap_on(page: Any, selector: str, x: float, y: float) -> tuple[float, float]:
    """Tap the element at a fraction of its width and height; return the page position tapped."""
    shape = page.locator(selector)
    shape.scroll_into_view_if_needed()
    box = shape.bounding_box()
    assert box is not None, f"{selector} is not drawn"
    shape.click(position={"x": box["width"] * x, "y": box["height"] * y})
    return box["x"] + box["width"] * x, box["y"] + box["height"] * y


def pin_at(page: Any) -> tuple[float, float]:
    """Return the page position of the centre of the map's pin."""
    box = page.locator(".leaflet-pin-pane path").bounding_box()
    assert box is not None, "the map has no pin"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
