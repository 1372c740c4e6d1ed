"""`gridgov bench demo`: build the full-size demo district into a fresh SQLite database and time it.

The build runs in a child process whose settings point at a temporary directory, so the benchmark
never touches the configured database; migrations run first and are not timed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

GOAL_SECONDS = 60
FULL = {"grids": 232, "residents": 260_000}
QUICK = {"grids": 20, "residents": 20_000}


def run(quick: bool, seed: int, log: Callable[[str], Any]) -> dict[str, Any]:
    """Build the demo district (quick: 20 grids, 20,000 residents) and return its figures and seconds."""
    size = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="gridgov-bench-demo-") as var_dir:
        env = {**os.environ, "GRIDGOV_VAR_DIR": var_dir}
        env.pop("DATABASE_URL", None)  # always SQLite: the embedded default is what the goal is about
        _child([sys.executable, "-m", "gridgov.cli", "migrate", "--noinput", "--verbosity", "0"], env)
        log(
            f"building the demo district: {size['grids']} grids, {size['residents']:,} residents, seed {seed}"
        )
        started = time.perf_counter()
        output = _child(
            [sys.executable, "-m", "gridgov.benchmarks.demo", "--seed", str(seed), *_flags(size)], env
        )
        wall = time.perf_counter() - started
    summary = json.loads(output.strip().splitlines()[-1])
    return {
        "seconds": summary["seconds"],
        "grids": summary["grids"],
        "residents": summary["residents"],
        "buildings": summary["buildings"],
        "households": summary["households"],
        "staff": summary["staff"],
        "cases": summary["cases"],
        "transitions": summary["counts"].get("transitions", 0),
        "phase_seconds": summary["phases"],
        "process_seconds": round(wall, 2),
        "goal_seconds": GOAL_SECONDS,
        "database": "sqlite",
        "quick": quick,
    }


def _flags(size: dict[str, int]) -> list[str]:
    return [part for key, value in size.items() for part in (f"--{key}", str(value))]


def _child(command: list[str], env: dict[str, str]) -> str:
    """Run a child process and return its output; its progress lines go to our stderr."""
    result = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[2:])} failed with exit status {result.returncode}")
    return result.stdout


def _main() -> None:
    """Build the demo into the configured database and print the summary as JSON (child process)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--grids", type=int, default=FULL["grids"])
    parser.add_argument("--residents", type=int, default=FULL["residents"])
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    import django

    django.setup()
    from gridgov.territory.demo import PhaseReport, build

    def progress(report: PhaseReport) -> None:
        print(f"  {report.name}: {report.counts} ({report.seconds:.1f} s)", file=sys.stderr, flush=True)

    summary = build(seed=args.seed, grids=args.grids, residents=args.residents, progress=progress)
    print(json.dumps(summary.as_dict(), ensure_ascii=False, default=str))


if __name__ == "__main__":
    _main()
