"""The benchmarks' same-run baselines still run against the current pages.

A benchmark's ratio means nothing if its baseline stops working: the bare feature-page render
broke once, unnoticed, when the survey pages' context began to read the round's token from g.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.journey_load import bare_render_seconds, open_round


def test_the_journey_benchmarks_bare_render_runs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'baseline.sqlite3'}"
    _round_id, token = open_round(url, "")
    assert bare_render_seconds(url, token, repeats=2) > 0
    assert bare_render_seconds(url, token, repeats=2, afresh=True) > 0
