"""Issue 17's phone journey in a real headless Chromium at 390x844: the progress text and
the partner question's agency name are there where the eye is, and the pages stay clean
under axe-core. Reuses test_browser.py's server, browser and axe-scanning tab."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect

from surveys.questionnaire import Questionnaire
from tests.helpers import RoundRef
from tests.integration.test_browser import (  # noqa: F401  (fixtures, used by name)
    Visit,
    answer_feature_page,
    browser,
    live_server,
    press,
    visit,
)

pytestmark = pytest.mark.browser


def test_phone_progress_and_partner_names(
    app: Flask,
    live_server: str,  # noqa: F811
    visit: Callable[..., Visit],  # noqa: F811
    make_round: Callable[..., RoundRef],
    questionnaire: Questionnaire,
) -> None:
    total = len(questionnaire.items)
    round_ = make_round()
    tab = visit()
    page = tab.page
    page.goto(live_server + round_.url + "/about-you")
    page.get_by_label("Police").check()
    page.get_by_label("Frontline practitioner").check()
    press(page, "Save and continue")

    number = 1
    for feature in questionnaire.features:
        last = number + len(feature.items) - 1
        expect(page.get_by_text(f"Statements {number} to {last} of {total}")).to_be_visible()
        # Each statement is a group whose name starts with its place in the whole survey,
        # so a screen reader hears it with the statement.
        for offset, item in enumerate(feature.items):
            group = page.get_by_role("group", name=re.compile(f"^Statement {number + offset} of"))
            expect(group).to_have_count(1)
            expect(group).to_contain_text(item.text)
        # The last statement of the page: its number is on screen beside it, far down.
        last_group = page.get_by_role("group", name=re.compile(f"^Statement {last} of {total}"))
        last_group.get_by_label("Agree", exact=True).scroll_into_view_if_needed()
        expect(last_group.locator(".boundary-legend-caption")).to_be_in_viewport()
        if number == 1:
            tab.check_accessibility("i17-feature-phone")
        answer_feature_page(page, "Agree")
        press(page, "Save and continue")
        number = last + 1

    page.get_by_label("Health").check()
    page.get_by_label("Education").check()
    press(page, "Save and continue")
    for agency in ("Health", "Education"):
        groups = page.get_by_role("group", name=re.compile(f"^{agency} How "))
        expect(groups).to_have_count(len(questionnaire.partners.questions))
    # Scrolled to the last question, its agency is named right above it, on screen.
    last_question = page.get_by_role("group", name=re.compile("^Education How ")).last
    last_question.locator("input").last.scroll_into_view_if_needed()
    caption = last_question.locator(".boundary-legend-caption")
    expect(caption).to_have_text("Education")
    expect(caption).to_be_in_viewport()
    tab.check_accessibility("i17-partner-ratings-phone")


def test_the_survey_code_page_is_accessible_with_an_error(
    live_server: str,  # noqa: F811
    visit: Callable[..., Visit],  # noqa: F811
) -> None:
    tab = visit()
    page = tab.page
    page.goto(live_server + "/survey")
    tab.check_accessibility("i17-survey-code-phone")
    page.get_by_label("Survey code").fill("ABCD-0000")
    press(page, "Continue")
    expect(page.get_by_text("There is a problem")).to_be_visible()
    tab.check_accessibility("i17-survey-code-error-phone")


def test_the_changed_respondent_pages_are_accessible_on_a_desktop(
    app: Flask,
    live_server: str,  # noqa: F811
    browser: Browser,  # noqa: F811
    make_round: Callable[..., RoundRef],
    questionnaire: Questionnaire,
) -> None:
    from tests.integration.test_browser import DESKTOP

    round_ = make_round()
    context = browser.new_context(viewport=DESKTOP)
    try:
        tab = Visit(context.new_page(), javascript=True)
        page = tab.page
        page.goto(live_server + "/survey")
        tab.check_accessibility("i17-survey-code-desktop")
        page.goto(live_server + round_.url + "/about-you")
        page.get_by_label("Police").check()
        page.get_by_label("Frontline practitioner").check()
        press(page, "Save and continue")
        tab.check_accessibility("i17-feature-desktop")
        for _feature in questionnaire.features:
            answer_feature_page(page, "Agree")
            press(page, "Save and continue")
        page.get_by_label("Health").check()
        press(page, "Save and continue")
        tab.check_accessibility("i17-partner-ratings-desktop")
    finally:
        context.close()
