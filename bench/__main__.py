"""Run benchmark modules: all of them (in name order) or those named on the command line."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path


def available() -> list[str]:
    """Modules of this package that define a benchmark (private and entry modules excluded)."""
    here = [str(Path(__file__).resolve().parent)]
    return sorted(info.name for info in pkgutil.iter_modules(here) if not info.name.startswith("_"))


def main(argv: Sequence[str] | None = None) -> int:
    names = list(sys.argv[1:] if argv is None else argv)
    known = available()
    unknown = [name for name in names if name not in known]
    if unknown:
        print(
            f"unknown benchmark {', '.join(unknown)}; available: {', '.join(known)}",
            file=sys.stderr,
        )
        return 2
    for index, name in enumerate(names or known):
        if index:
            print()
        module = importlib.import_module(f"bench.{name}")
        module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
