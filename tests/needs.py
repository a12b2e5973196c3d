"""What the test suite needs from the machine, said in plain words before it runs.

`make test` runs this first (`python -m tests.needs`). Python packages come from the virtual
environment; these are the system programs and libraries some tests use. Nothing here is
required: a missing one skips the tests that use it, and this says which and how to add it.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass

import cffi  # type: ignore[import-untyped]  # no type information; one call


@dataclass(frozen=True)
class Need:
    name: str
    found: bool
    without: str  # what happens when it is missing
    install: str


def _loadable(*names: str) -> bool:
    """Whether a shared library loads the way WeasyPrint loads it (through cffi)."""
    for name in names:
        try:
            cffi.FFI().dlopen(name)
        except OSError:
            continue
        return True
    return False


def needs() -> list[Need]:
    return [
        Need(
            "Chromium",
            shutil.which("chromium") is not None,
            "the browser tests (tests/integration/test_browser.py) are skipped",
            "apt-get install chromium",
        ),
        Need(
            "HarfBuzz-Subset (libharfbuzz-subset0)",
            _loadable("libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib", "harfbuzz-subset"),
            "WeasyPrint subsets the PDFs' fonts with fontTools instead (same PDFs, slower)",
            "apt-get install libharfbuzz-subset0 (Debian installs it with chromium)",
        ),
        Need(
            "pdftoppm (poppler-utils)",
            shutil.which("pdftoppm") is not None,
            "two tests that look at rendered PDF pages are skipped",
            "apt-get install poppler-utils",
        ),
    ]


def main() -> int:
    for need in needs():
        if need.found:
            print(f"Found {need.name}.")
        else:
            print(f"No {need.name}: {need.without}. To add it: {need.install}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
