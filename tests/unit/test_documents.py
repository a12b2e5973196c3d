"""How a PDF is rendered: the collector settings around WeasyPrint."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

from surveys.reporting import typesetting
from surveys.reporting.typesetting import fewer_collections

STATIC = Path(__file__).resolve().parents[2] / "static"


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


def test_each_thread_sets_up_its_own_fonts_and_stylesheet_once() -> None:
    """Reused by every render in a thread, never shared with another thread rendering at
    the same time."""
    here = typesetting._typesetting
    assert here.stylesheet(STATIC) is here.stylesheet(STATIC)
    elsewhere: list[object] = []

    def other_thread() -> None:
        elsewhere.extend(
            [typesetting._typesetting.fonts, typesetting._typesetting.stylesheet(STATIC)]
        )

    worker = threading.Thread(target=other_thread)
    worker.start()
    worker.join()
    assert elsewhere[0] is not here.fonts
    assert elsewhere[1] is not here.stylesheet(STATIC)
