"""The demo plants its patterns (management-frontline gaps, one-way information flows, a
split group, a workshop's agreed levels and actions) on ids; each must be in the questionnaire
the demo round uses, or a renamed id would silently flatten the demo."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from surveys.cli import DEMO_QUESTIONNAIRE
from surveys.questionnaire import Questionnaire, load_library
from surveys.responses import synthetic
from surveys.workshops import demo

CURRENT = load_library()[DEMO_QUESTIONNAIRE]  # the version `flask demo` builds on


@pytest.mark.parametrize("version", sorted(load_library()))
@pytest.mark.parametrize("misfits", [synthetic.scenario_misfits, demo.scenario_misfits])
def test_the_demo_names_only_ids_every_shipped_questionnaire_has(
    misfits: Callable[[Questionnaire], list[str]], version: str
) -> None:
    """The demo is built on DEMO_QUESTIONNAIRE; synthetic answers for tests and benchmarks
    are made for any shipped version, so each must carry the scenario's ids."""
    assert misfits(load_library()[version]) == []


def test_a_renamed_feature_is_named_as_a_misfit() -> None:
    renamed = dataclasses.replace(
        CURRENT,
        features=tuple(
            dataclasses.replace(f, id="trusting") if f.id == "trust" else f
            for f in CURRENT.features
        ),
    )
    assert "feature trust" in synthetic.scenario_misfits(renamed)
    assert "feature trust" in demo.scenario_misfits(renamed)


def test_a_lost_sharing_question_is_named_as_a_misfit() -> None:
    partners = dataclasses.replace(
        CURRENT.partners,
        questions=tuple(q for q in CURRENT.partners.questions if q.sharing != "given"),
    )
    missing = synthetic.scenario_misfits(dataclasses.replace(CURRENT, partners=partners))
    assert missing == ["a partner question on information given"]
