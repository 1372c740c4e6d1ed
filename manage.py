#!/usr/bin/env python
"""Django's command-line utility; `gridgov` is the same thing installed as a console script."""

from gridgov.cli import main

if __name__ == "__main__":
    main()
