"""Comments are listed to staff a page at a time (GOV.UK pagination): on a feature page and in
the moderation queue. 100,000 comments once made a 19 MB feature page."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from surveys.database import db
from surveys.library import current_questionnaire
from surveys.paging import PER_PAGE, page_of, pagination
from surveys.responses.answers import CompletedResponse
from surveys.responses.models import Channel
from surveys.responses.service import record_submissions
from surveys.rounds.models import Round
from tests.helpers import RoundRef, csrf_token_in, publish

COMMENTS = 2 * PER_PAGE + 20  # three pages: full, full, and 20
SHOWN = re.compile(r"Comment number (\d+) from the room")


@pytest.fixture
def talkative_round(app: Flask, make_round: Callable[..., RoundRef]) -> RoundRef:
    round_ = make_round("talkative", agencies=["police", "health"])
    with app.app_context():
        live = db.session.scalar(select(Round).where(Round.slug == "talkative"))
        assert live is not None
        q = current_questionnaire()
        people = [
            CompletedResponse(
                agency_id="police",
                level_id="frontline",
                items={item.id: 3 for item in q.items},
                comments={"trust": f"Comment number {n} from the room"},
            )
            for n in range(COMMENTS)
        ]
        record_submissions(live, q, people, Channel.IMPORT, date.today())
        db.session.commit()
    publish(app, "talkative")
    return round_


def shown(page: str) -> list[int]:
    return [int(n) for n in SHOWN.findall(page)]


def test_feature_page_lists_comments_a_page_at_a_time(
    manager: FlaskClient, talkative_round: RoundRef
) -> None:
    path = "/reports/talkative/features/trust"
    first = manager.get(path).get_data(as_text=True)
    assert len(shown(first)) == PER_PAGE
    assert f"Showing comments 1 to {PER_PAGE} of {COMMENTS}" in first
    assert 'class="govuk-pagination' in first and 'rel="next"' in first
    assert f'href="{path}?page=2#comments"' in first
    seen = shown(first)
    for number in (2, 3):
        page = manager.get(f"{path}?page={number}").get_data(as_text=True)
        seen += shown(page)
        assert 'aria-current="page"' in page
    assert sorted(seen) == list(range(COMMENTS))  # every comment once, none twice
    last = manager.get(f"{path}?page=3").get_data(as_text=True)
    assert len(shown(last)) == COMMENTS - 2 * PER_PAGE and 'rel="next"' not in last
    # Past the end, or not a number: the last page, or the first; never an error.
    assert shown(manager.get(f"{path}?page=999999").get_data(as_text=True)) == shown(last)
    for junk in ("abc", "-1", "²", "9" * 5000, "0"):
        response = manager.get(f"{path}?page={junk}")
        assert response.status_code == 200
        assert shown(response.get_data(as_text=True)) == shown(first)


def test_moderation_queue_is_paged_and_a_decision_returns_to_its_page(
    client: FlaskClient,
    talkative_round: RoundRef,
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
) -> None:
    sign_in(make_user("manager"))
    first = client.get("/moderate/talkative").get_data(as_text=True)
    assert first.count('class="boundary-comment"') == PER_PAGE
    assert f"Showing comments 1 to {PER_PAGE} of {COMMENTS}" in first
    second = client.get("/moderate/talkative?page=2").get_data(as_text=True)
    assert f"Comment {PER_PAGE + 1}:" in second  # numbered on from the page before
    action = re.search(r'action="(/moderate/talkative/comments/[^"]+)"', second)
    assert action is not None and action.group(1).endswith("page=2")
    response = client.post(
        action.group(1).replace("&amp;", "&"),
        data={"csrf_token": csrf_token_in(second), "action": "withhold"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/moderate/talkative?page=2")


def test_pagination_links_first_last_and_neighbours() -> None:
    page = page_of(list(range(1000)), "10", per_page=10)
    params = pagination(page, lambda n: f"?page={n}")
    assert params is not None
    numbers = [item.get("number", "…") for item in params["items"]]
    assert numbers == [1, "…", 9, 10, 11, "…", 100]
    assert params["previous"]["href"] == "?page=9" and params["next"]["href"] == "?page=11"
    assert pagination(page_of([1, 2], None), str) is None  # one page: no navigation
    assert page_of([], "7").items == [] and page_of([], "7").number == 1
