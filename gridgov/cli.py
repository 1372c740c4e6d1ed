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
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
