"""Issue 17's phone journey: where the respondent is in the survey, and whom a partner
question is about, said beside every question (through the real test client)."""

from __future__ import annotations

import re
from collections.abc import Callable

from surveys.questionnaire import Questionnaire
from tests.helpers import Respondent, RoundRef, feature_answers

MakeRound = Callable[..., RoundRef]
RespondentFor = Callable[[RoundRef], Respondent]

LEGEND = re.compile(r"<legend[^>]*>(.*?)</legend>", re.S)


def legends(page: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", " ", text).split()) for text in LEGEND.findall(page)]


def about_you(person: Respondent) -> None:
    person.get("/about-you")
    person.post({"agency": "education", "level": "frontline"})


def test_each_statement_says_its_place_in_the_whole_survey(
    make_round: MakeRound, respondent_for: RespondentFor, questionnaire: Questionnaire
) -> None:
    person = respondent_for(make_round())
    about_you(person)
    total = len(questionnaire.items)
    seen: list[str] = []
    for feature in questionnaire.features:
        page = person.text()
        assert feature.name in page
        shown = [text for text in legends(page) if text.startswith("Statement ")]
        assert len(shown) == len(feature.items)
        first = len(seen) + 1
        last = first + len(feature.items) - 1
        assert f"Statements {first} to {last} of {total}" in page
        for number, (legend, item) in enumerate(zip(shown, feature.items, strict=True), first):
            assert legend.startswith(f"Statement {number} of {total} ")
            assert legend.endswith(item.text.replace("'", "&#39;"))
        seen += shown
        person.post(feature_answers(questionnaire, feature.id, "3"))
    assert len(seen) == total
    assert person.path.endswith("/partners")


def test_a_missed_statement_is_named_by_its_number_in_the_survey(
    make_round: MakeRound, respondent_for: RespondentFor, questionnaire: Questionnaire
) -> None:
    person = respondent_for(make_round())
    about_you(person)
    person.post(feature_answers(questionnaire, questionnaire.features[0].id, "3"))
    second = questionnaire.features[1]
    answers = feature_answers(questionnaire, second.id, "3")
    del answers[second.items[0].id]
    person.post(answers)
    number = len(questionnaire.features[0].items) + 1
    assert f"Select how far you agree with statement {number}" in person.text()
    assert person.path.endswith(f"/section/{second.id}")


def test_every_partner_question_names_its_agency_in_its_legend(
    make_round: MakeRound, respondent_for: RespondentFor, questionnaire: Questionnaire
) -> None:
    person = respondent_for(make_round())
    about_you(person)
    for feature in questionnaire.features:
        person.post(feature_answers(questionnaire, feature.id, "3"))
    person.post({"partners": ["police", "health"]})
    assert person.path.endswith("/partners/ratings")
    questions = [text for text in legends(person.text()) if "agency" in text]
    asked = len(questionnaire.partners.questions)
    assert len(questions) == 2 * asked
    for legend in questions[:asked]:
        assert legend.startswith("Police ")
    for legend in questions[asked:]:
        assert legend.startswith("Health ")
