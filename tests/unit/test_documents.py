"""How a PDF is rendered: the collector settings around WeasyPrint."""

from __future__ import annotations

import gc

from surveys.reporting.documents import fewer_collections


def test_overlapping_renders_put_the_collector_back_as_it_was() -> None:
    """Two threads rendering at once: the thresholds come back only when both are done,
    and come back as they were before the first began."""
    before = gc.get_threshold()
    first, second = fewer_collections(), fewer_collections()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # the first finishes while the second still renders
    assert gc.get_threshold() == (100_000, 50, 100)
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before
