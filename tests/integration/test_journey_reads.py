"""What a journey page asks of the database: the round and the browser's draft in one query,
never another round's draft, and never an out-of-date draft after a save."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask

from surveys.questionnaire import Questionnaire
from surveys.responses import service
from surveys.rounds.service import find_round_by_token
from tests.helpers import Respondent, RoundRef, feature_answers, statements_of

MakeRound = Callable[..., RoundRef]
RespondentFor = Callable[[RoundRef], Respondent]


def checked(page: str, name: str) -> str | None:
    """The value of the checked radio of `name` on the page, if any."""
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag and "checked" in tag:
            found = re.search(r'value="([^"]*)"', tag)
            return found.group(1) if found else None
    return None


def test_a_page_reads_its_round_and_the_draft_in_one_query(
    app: Flask, make_round: MakeRound, respondent_for: RespondentFor, questionnaire: Questionnaire
) -> None:
    person = respondent_for(make_round())
    person.get("/about-you")
    person.post({"agency": "police", "level": "frontline"})
    first = questionnaire.features[0]
    person.post(feature_answers(questionnaire, first.id, "2"))
    with statements_of(app) as statements:
        page = person.get(f"/section/{first.id}")
    assert page.status_code == 200
    # The page shows the answers kept in the draft: the one query did find it.
    assert checked(person.text(), first.items[0].id) == "2"
    reads = [s for s in statements if "rounds" in s or "drafts" in s]
    assert len(reads) == 1, reads
    assert "FROM rounds LEFT OUTER JOIN drafts" in reads[0]


def test_the_draft_read_with_the_round_is_only_ever_that_rounds(
    app: Flask, make_round: MakeRound
) -> None:
    mine, other = make_round(), make_round()
    with app.app_context():
        here, there = find_round_by_token(mine.token), find_round_by_token(other.token)
        assert here is not None and there is not None
        code = service.save_draft(there, None, {"about": {"agency": "police"}})
        found, draft = service.find_round_and_draft(mine.token, code)
        assert found is not None and found.id == mine.id
        assert draft is None  # the code is the other round's: nothing of it here
        found, draft = service.find_round_and_draft(other.token, code)
        assert found is not None and found.id == other.id
        assert draft is not None and draft.answers == {"about": {"agency": "police"}}
        assert service.find_round_and_draft("no-such-link", code) == (None, None)
        assert service.find_round_and_draft(mine.token, "NOPE-NOPE-NOPE") == (here, None)


def test_a_page_changed_twice_shows_the_latest_answers(
    make_round: MakeRound, respondent_for: RespondentFor, questionnaire: Questionnaire
) -> None:
    """Each save forgets the draft the request read; the next page reads it afresh."""
    person = respondent_for(make_round())
    person.get("/about-you")
    person.post({"agency": "police", "level": "frontline"})
    first = questionnaire.features[0]
    for value in ("2", "5", "dk"):
        person.get(f"/section/{first.id}")
        person.post(feature_answers(questionnaire, first.id, value))
        person.get(f"/section/{first.id}")
        assert checked(person.text(), first.items[-1].id) == value
