"""Benchmarks run by `gridgov bench NAME`; each returns a dict printed as one JSON line."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

Benchmark = Callable[..., dict[str, Any]]

# name → "module:function"; modules load lazily so one benchmark's imports never slow another.
REGISTRY: dict[str, str] = {
    "lookup": "gridgov.benchmarks.lookup:run",
    "demo": "gridgov.benchmarks.demo:run",
    "transitions": "gridgov.benchmarks.transitions:run",
    "intake": "gridgov.benchmarks.intake:run",
}


def load(name: str) -> Benchmark:
    """Return the benchmark function registered under the name."""
    module_name, _, func = REGISTRY[name].partition(":")
    return getattr(importlib.import_module(module_name), func)
