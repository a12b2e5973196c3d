"""The benchmarks' same-run baselines still run against the current pages.

A benchmark's ratio means nothing if its baseline stops working: the bare feature-page render
broke once, unnoticed, when the survey pages' context began to read the round's token from g.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.journey_load import bare_render_seconds, open_round


def test_the_journey_benchmarks_bare_render_runs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'baseline.sqlite3'}"
    _round_id, token = open_round(url, "")
    assert bare_render_seconds(url, token, repeats=2) > 0
    assert bare_render_seconds(url, token, repeats=2, afresh=True) > 0


def test_the_journey_benchmarks_served_bare_page_renders_and_takes_its_post(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """benchmarks/bare_page.py is gunicorn's baseline app: it broke the same way, unnoticed,
    when the feature page began to show each statement's number in the whole survey."""
    from benchmarks import bare_page

    url = f"sqlite:///{tmp_path / 'bare.sqlite3'}"
    open_round(url, "")  # the schema, as the benchmark's database has it
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SECRET_KEY", "a benchmark baseline's key, long enough to be accepted")
    app = bare_page.create_app()
    client = app.test_client()
    page = client.get(bare_page.PATH)
    assert page.status_code == 200
    assert "Statement 1 of" in page.get_data(as_text=True)
    assert client.post(bare_page.PATH).status_code == 302
