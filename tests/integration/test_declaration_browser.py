"""An agency lead's declaration and the dashboard's part that shows it, in a real headless
Chromium on a phone and a desktop: scanned with axe-core, no CSP violation, no sideways
scrolling on a phone, and a screenshot of each (test-artifacts/) to look at."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from playwright.sync_api import Browser

from surveys.database import db
from surveys.questionnaire import Questionnaire
from surveys.responses.answers import CompletedResponse
from surveys.responses.models import Channel
from surveys.responses.service import record_submissions
from surveys.rounds.service import find_round
from tests.helpers import TEST_PASSWORD, RoundRef, publish
from tests.integration.test_browser import (  # the suite's Chromium and live server
    DESKTOP,
    PHONE,
    SCREENSHOTS,
    Visit,
    browser,
    live_server,
    press,
)

pytestmark = pytest.mark.browser
__all__ = ["browser", "live_server"]  # fixtures, used by name


def planted(app: Flask, q: Questionnaire) -> None:
    """Police: ten frontline staff scoring about 2, ten managers about 4."""
    people = [
        CompletedResponse(
            agency_id="police",
            level_id=level,
            items={item.id: 6 - s if item.reverse else s for item in q.items},
        )
        for level, scores in (("frontline", [1, 2, 2, 2, 3] * 2), ("operational", [3, 4, 5] * 3))
        for s in scores
    ]
    with app.app_context():
        live = find_round("seen")
        assert live is not None
        record_submissions(live, q, people, Channel.IMPORT, date.today())
        db.session.commit()


def sign_in(tab: Visit, server: str, email: str) -> None:
    tab.page.goto(server + "/sign-in")
    tab.page.get_by_label("Email address").fill(email)
    tab.page.get_by_role("textbox", name="Password").fill(TEST_PASSWORD)
    press(tab.page, "Sign in")


def test_the_declaration_and_its_results_on_a_phone_and_a_desktop(
    app: Flask,
    live_server: str,  # noqa: F811 - the fixture imported above
    browser: Browser,  # noqa: F811
    make_round: Callable[..., RoundRef],
    make_user: Callable[..., str],
    questionnaire: Questionnaire,
) -> None:
    make_round("seen", agencies=["police", "health"])
    planted(app, questionnaire)
    q = questionnaire
    first_item = q.items[0]
    # On the phone, police's lead (sent straight to their own form); on the desktop, an
    # administrator choosing health from the round's list.
    people = {"phone": make_user("agency-lead", "police"), "desktop": make_user("admin")}
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(viewport=viewport)
        try:
            tab = Visit(context.new_page(), javascript=True)
            sign_in(tab, live_server, people[size])
            tab.page.goto(live_server + "/declarations/seen")
            if size == "phone":
                assert tab.page.url.endswith("/declarations/seen/police")
            else:
                tab.check_accessibility(f"39-{size}-declarations-list")
                with tab.page.expect_navigation():
                    tab.page.get_by_role("link", name="Health").click()
            tab.check_accessibility(f"40-{size}-declaration-form")
            # Sent with one statement unanswered: the error is at that statement.
            for group in tab.page.locator("div.govuk-radios").all()[1:]:
                group.get_by_label("Strongly agree", exact=True).check()
            press(tab.page, "Save the declaration")
            assert tab.page.locator(".govuk-error-summary").is_visible()
            error = tab.page.locator(f"#{first_item.id}-error")
            assert "statement 1" in (error.text_content() or "")
            tab.check_accessibility(f"41-{size}-declaration-error")
            # The refused form comes back as a 400, which the browser's console reports.
            assert all("400" in problem for problem in tab.problems), tab.problems
            tab.problems.clear()
            # Every statement answered so that it scores 5 (reverse-worded ones disagreed).
            for item in q.items:
                value = "1" if item.reverse else "5"
                tab.page.check(f"input[name='{item.id}'][value='{value}']")
            press(tab.page, "Save the declaration")
            assert "declaration for" in (
                tab.page.locator(".govuk-notification-banner").text_content() or ""
            )
            if size == "phone":
                assert tab.page_width() <= PHONE["width"]
            publish(app, "seen")
            tab.page.goto(live_server + "/reports/seen")
            section = tab.page.locator("#declarations")
            assert section.is_visible()
            assert tab.page.get_by_text("More positive than frontline").first.is_visible()
            tab.check_accessibility(f"42-{size}-dashboard")
            if size == "phone":
                assert tab.page_width() <= PHONE["width"], "the dashboard scrolls sideways"
            # The part of the dashboard that shows it, to look at.
            top: float = tab.page.evaluate(
                "() => document.getElementById('declarations').getBoundingClientRect().top"
                " + window.scrollY"
            )
            SCREENSHOTS.mkdir(exist_ok=True)
            tab.page.screenshot(
                path=str(SCREENSHOTS / f"43-{size}-dashboard-declarations.png"),
                full_page=True,
                clip={"x": 0, "y": top, "width": viewport["width"], "height": 1400},
            )
            assert tab.problems == []
        finally:
            context.close()
