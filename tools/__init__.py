"""Maintainer commands the Makefile runs: `python -m tools golden|screenshots`."""
