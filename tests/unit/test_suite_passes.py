"""Which tests the PostgreSQL pass of `make test` runs (tests/conftest.py): every test that
meets the database, and nothing whose outcome cannot depend on it."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.conftest import meets_the_database


@dataclass
class Collected:
    """What the selection reads of a collected test: its fixtures and its markers."""

    fixturenames: list[str]
    markers: list[str] = field(default_factory=list)

    def get_closest_marker(self, name: str) -> pytest.Mark | None:
        return getattr(pytest.mark, name).mark if name in self.markers else None


@pytest.mark.parametrize(
    ("collected", "runs_on_postgres"),
    [
        (Collected(["app", "database_url", "client"]), True),  # through the app fixture
        (Collected(["tmp_path"], ["database"]), True),  # its own schema on the suite's server
        (Collected(["tmp_path"]), False),  # pure logic, or a SQLite file of its own
        (Collected(["instance", "own_app"]), False),
        (Collected(["app", "database_url"], ["browser"]), False),  # the same page on either
    ],
)
def test_the_postgresql_pass_runs_what_meets_the_database(
    collected: Collected, runs_on_postgres: bool
) -> None:
    assert meets_the_database(collected) is runs_on_postgres  # type: ignore[arg-type]
