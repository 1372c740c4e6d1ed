"""The `gridgov` console script: Django's management commands under the project's name."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a gridgov command (`gridgov demo`, `gridgov serve`, `gridgov bench lookup`, …)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "gridgov"
    # `gridgov import-grids` and `gridgov import_grids` are the same command (Django names
    # commands after their modules, which cannot hold hyphens).
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
