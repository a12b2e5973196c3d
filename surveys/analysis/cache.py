"""A round's analysis, computed once per data version and kept while it is current.

The key holds the round's data version, which every new response raises, so a response
arriving is what invalidates the cached copy; with several worker processes each keeps its
own copy, and the database stays the only truth.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from flask import Flask, current_app

from ..library import questionnaire
from ..rounds.models import Round
from .engine import analyse_round
from .results import RoundAnalysis

CACHE_SIZE = 16

CacheKey = tuple[str, int, int]


class AnalysisCache:
    def __init__(self) -> None:
        self._entries: OrderedDict[CacheKey, RoundAnalysis] = OrderedDict()
        self._lock = threading.Lock()
        self.computed = 0  # how many analyses were worked out, for tests and benchmarks

    def get(self, round_: Round, min_cell_size: int) -> RoundAnalysis:
        # The public token, unlike the id, is never reused by another round.
        key = (round_.public_token, round_.data_version, min_cell_size)
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        analysis = analyse_round(round_, questionnaire(round_.questionnaire_version), min_cell_size)
        with self._lock:
            self.computed += 1
            self._entries[key] = analysis
            while len(self._entries) > CACHE_SIZE:
                self._entries.popitem(last=False)
        return analysis


def init_app(app: Flask) -> None:
    app.extensions["analysis_cache"] = AnalysisCache()


def round_analysis(round_: Round) -> RoundAnalysis:
    cache: AnalysisCache = current_app.extensions["analysis_cache"]
    return cache.get(round_, current_app.config["MIN_CELL_SIZE"])
