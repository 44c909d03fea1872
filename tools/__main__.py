"""`python -m tools golden` rebuilds tests/golden/small-site from its YAML bank;
`python -m tools screenshots` retakes docs/screenshots/."""

from __future__ import annotations

import sys

from tools import site


def main(argv: list[str]) -> int:
    """Run one maintainer command."""
    if argv == ["golden"]:
        site.regenerate()
    elif argv == ["screenshots"]:
        for shot in site.screenshots():
            print(shot.relative_to(site.ROOT))
    else:
        print("usage: python -m tools golden|screenshots", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
