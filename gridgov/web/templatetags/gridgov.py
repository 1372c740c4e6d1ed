"""Template filters for figures: shares as percentages and bar widths."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(fraction: float | None, digits: int = 1) -> str:
    """Format a fraction (0.625) as a percentage ("62.5%"), or an en dash when unknown."""
    if fraction is None:
        return "–"
    return f"{number_format(fraction * 100, decimal_pos=digits)}%"


@register.filter
def share_of(count: int, total: int) -> float:
    """Return count / total, or 0 for an empty total (for bar widths and percentages)."""
    return count / total if total else 0.0


@register.filter
def bar_width(fraction: float) -> str:
    """Return a CSS width ("62.5%") for a fraction, clamped to 0–100%."""
    clamped = min(max(fraction, 0.0), 1.0)
    return f"{clamped * 100:.1f}%"


@register.filter
def grouped(value: int | None) -> str:
    """Format a count with thousands separators ("260,000")."""
    if value is None:
        return "–"
    return number_format(value, force_grouping=True)
