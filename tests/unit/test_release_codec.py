"""A release stored before a figure existed still reads back, without that figure."""

from __future__ import annotations

import json
from dataclasses import replace

from surveys.analysis.engine import analyse
from surveys.questionnaire.loader import load_library
from surveys.releases import codec
from tests.unit.test_analyse import EVERYONE_SHOWN, FACTS, K, tallies


def test_a_release_from_before_levels_had_ranges_reads_back_without_them() -> None:
    analysis = analyse(FACTS, load_library()["cop-maturity-v1"], K, tallies(EVERYONE_SHOWN))
    assert any(c.possible_levels for c in analysis.cells) and analysis.partnership
    assert codec.load(codec.dump(analysis)) == analysis

    stored = json.loads(codec.dump(analysis))
    del stored["partnership"]
    for cell in stored["cells"]:
        del cell["possible_levels"]
    older = codec.load(json.dumps(stored))
    assert older == replace(
        analysis,
        partnership=(),
        cells=tuple(replace(c, possible_levels=()) for c in analysis.cells),
    )
