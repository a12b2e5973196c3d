"""Issue 17's projector as a room screen, measured in a real headless Chromium at 1280x720
and 1920x1080: for each state of the screen (joining, answering, each revealed screen, the
end), nothing is clipped or outside a 5% safe margin, the page does not scroll, no visible
text is under 28 px at 1080p (18.7 px at 720p, the same share of the screen's height) and
the QR code is large enough to scan from the middle of a room. Each state is also scanned
with axe-core and screenshotted (test-artifacts/i17-projector-*.png). Reuses
test_browser.py's server, browser and scanning tab."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page

from surveys.database import db
from surveys.questionnaire import Questionnaire
from surveys.workshops import service
from surveys.workshops.models import WorkshopSession
from tests.helpers import TEST_PASSWORD, RoundRef, WorkshopRef, publish
from tests.integration.test_browser import (  # noqa: F401  (fixtures, used by name)
    PROJECTORS,
    Visit,
    browser,
    live_server,
    press,
)
from tests.integration.test_workshops import FRONTLINE, MANAGERS, room_of, store_people

pytestmark = pytest.mark.browser

FACILITATOR = "facilitator-x@example.org"  # make_workshop's facilitator

MEASURE = (Path(__file__).parent / "projector_measure.js").read_text()


def measure(page: Page) -> list[str]:
    wrong: list[str] = page.evaluate(MEASURE)
    return wrong


def qr_height(page: Page) -> float:
    box = page.locator(".boundary-wall__qr svg").bounding_box()
    assert box is not None
    return box["height"]


def change(app: Flask, workshop: WorkshopRef, step: Callable[[WorkshopSession], None]) -> None:
    """A facilitator's move, made through the service as the console's button makes it."""
    with app.app_context():
        held = db.session.get(WorkshopSession, workshop.id)
        assert held is not None
        step(held)
        db.session.commit()


def look_at_each_state(
    browser: Browser,  # noqa: F811
    live_server: str,  # noqa: F811
    workshop: WorkshopRef,
    states: list[tuple[str, Callable[[], None], str]],
) -> dict[str, dict[str, Any]]:
    """Brings each state about, then loads the projector at both sizes, scans it with axe,
    screenshots it and measures it."""
    seen: dict[str, dict[str, Any]] = {}
    contexts = {size["height"]: browser.new_context(viewport=size) for size in PROJECTORS}
    try:
        screens = {}
        for height, context in contexts.items():
            screen = Visit(context.new_page(), javascript=True)
            screen.page.goto(live_server + "/sign-in")
            screen.page.get_by_label("Email address").fill(FACILITATOR)
            screen.page.get_by_role("textbox", name="Password").fill(TEST_PASSWORD)
            press(screen.page, "Sign in")
            screens[height] = screen
        for state, make_it_so, words in states:
            make_it_so()
            for height, screen in screens.items():
                page = screen.page
                page.goto(live_server + workshop.console + "/projector")
                assert words in page.locator("#main-content").inner_text(), state
                width = PROJECTORS[0]["width"] if height == 720 else PROJECTORS[1]["width"]
                screen.check_accessibility(f"i17-projector-{state}-{width}x{height}")
                seen[f"{state} at {width}x{height}"] = {
                    "wrong": measure(page),
                    "qr": qr_height(page) / height if state != "ended" else None,
                    "code": page.locator(".boundary-wall__code").first.evaluate(
                        "el => parseFloat(getComputedStyle(el).fontSize)"
                    )
                    / height
                    if state != "ended"
                    else None,
                    "ideas": page.locator(
                        ".boundary-wall__gap, .boundary-wall__rows, .boundary-wall__prompts"
                    ).evaluate_all("els => new Set(els.map(el => el.className)).size"),
                }
                assert screen.problems == [], screen.problems
    finally:
        for context in contexts.values():
            context.close()

    return seen


def assert_fit_for_a_room(seen: dict[str, dict[str, Any]]) -> None:
    wrong = {name: found["wrong"] for name, found in seen.items() if found["wrong"]}
    assert wrong == {}, wrong
    for name, found in seen.items():
        if found["qr"] is not None:
            # About a third of the screen's height beside results; the join code in big type.
            assert found["qr"] >= 0.3, f"{name}: QR code {found['qr']:.0%} of the height"
            assert found["code"] >= 56 / 1080, f"{name}: join code too small"
        # One idea per screen: the gap, or a statement's answers, or the prompts.
        assert found["ideas"] <= 1, f"{name}: {found['ideas']} kinds of result on one screen"


def test_every_projector_state_fits_a_room_screen(
    app: Flask,
    browser: Browser,  # noqa: F811
    live_server: str,  # noqa: F811
    make_round: Callable[..., RoundRef],
    make_workshop: Callable[..., WorkshopRef],
    questionnaire: Questionnaire,
) -> None:
    # The fullest screens there are: a linked round with published results adds a survey
    # row to the gap and to the statement's answers; a re-vote adds a third row.
    round_ = make_round("wall", agencies=["police", "health", "education"])
    store_people(app, round_.slug, questionnaire, 12)
    publish(app, round_.slug)
    workshop = make_workshop(
        title="North and east cluster safeguarding partnership",
        features=("trust",),
        round_slug=round_.slug,
        open_answering=False,
    )
    headline = questionnaire.feature("trust").headline_item  # type: ignore[union-attr]
    phones = room_of(app, workshop, [], 4)
    states: list[tuple[str, Callable[[], None], str]] = [
        ("joining", lambda: None, "Join on your phone"),
        ("answering", lambda: answering(), "Answering is open"),
        ("gap", lambda: change(app, workshop, lambda s: service.reveal(s, True)), "managers"),
        ("answers", lambda: revote(), "After discussion"),
        (
            "prompts",
            lambda: change(app, workshop, lambda s: service.show(s, "prompts")),
            "To discuss",
        ),
        ("ended", lambda: change(app, workshop, service.end), "This workshop has ended"),
    ]

    def answering() -> None:
        change(app, workshop, service.open_answering)
        phones.extend(room_of(app, workshop, MANAGERS, 4))
        phones.extend(room_of(app, workshop, FRONTLINE, 2))

    def revote() -> None:
        change(app, workshop, lambda s: service.start_revote(s, headline, questionnaire))
        for phone in phones[6:]:  # the frontline practitioners answer again
            hidden, items = phone.form()
            phone.send(hidden, items, 3)

    seen = look_at_each_state(browser, live_server, workshop, states)
    assert_fit_for_a_room(seen)
    for state in ("gap", "answers", "prompts"):
        assert all(
            seen[f"{state} at {w}x{h}"]["ideas"] == 1 for w, h in ((1280, 720), (1920, 1080))
        )


def test_waiting_screens_fit_a_room_screen_too(
    app: Flask,
    browser: Browser,  # noqa: F811
    live_server: str,  # noqa: F811
    make_workshop: Callable[..., WorkshopRef],
) -> None:
    """The longest words a revealed screen shows are its waiting messages: while nobody has
    answered, and while only one level group is large enough to be shown."""
    workshop = make_workshop(
        title="Harbour, moorland and three market towns children's safeguarding partnership",
        features=("trust", "dialogue"),
    )

    def one_side() -> None:
        room_of(app, workshop, FRONTLINE[:5], 2)
        room_of(app, workshop, MANAGERS[:2], 5)
        change(app, workshop, lambda s: service.show(s, "gap"))

    states: list[tuple[str, Callable[[], None], str]] = [
        ("gap-empty", lambda: change(app, workshop, lambda s: service.reveal(s, True)), "Waiting"),
        (
            "answers-empty",
            lambda: change(app, workshop, lambda s: service.show(s, "answers")),
            "Waiting",
        ),
        ("gap-one-side", one_side, "Managers appear once 5 of them"),
        (
            "answers-one-side",
            lambda: change(app, workshop, lambda s: service.show(s, "answers")),
            "First answers",
        ),
    ]
    seen = look_at_each_state(browser, live_server, workshop, states)
    assert_fit_for_a_room(seen)
