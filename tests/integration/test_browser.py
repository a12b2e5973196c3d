"""The journey in a real headless Chromium on a phone-sized screen, with and without JavaScript.

Uses Debian's `chromium` through Playwright. Each page is scanned with axe-core; a serious
or critical accessibility violation, or any Content Security Policy violation, fails the test.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from surveys import create_app
from surveys.database import db
from surveys.library import current_questionnaire
from surveys.questionnaire import Questionnaire
from surveys.responses.models import Channel, PartnerRating, Submission
from surveys.responses.service import record_submissions
from surveys.responses.synthetic import synthetic_responses
from surveys.rounds.service import find_round
from surveys.workshops.models import RoomResponse, WorkshopSession
from surveys.workshops.service import reveal
from tests.helpers import (
    PROJECT_ROOT,
    TEST_PASSWORD,
    RoundRef,
    WorkshopRef,
    app_config,
    count_rows,
    publish,
)

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PROJECTORS: list[ViewportSize] = [{"width": 1280, "height": 720}, {"width": 1920, "height": 1080}]
ACCESSIBILITY_DOC = PROJECT_ROOT / "docs" / "accessibility.md"
SCREENSHOTS = PROJECT_ROOT / "test-artifacts"

if CHROMIUM is None:
    pytest.skip(
        "Chromium is not installed (apt-get install chromium); browser tests skipped",
        allow_module_level=True,
    )

from playwright.sync_api import (  # noqa: E402
    Browser,
    ConsoleMessage,
    Page,
    ViewportSize,
    expect,
    sync_playwright,
)


@pytest.fixture
def live_server(database_url: str, app: Flask) -> Iterator[str]:
    """The real app served over HTTP on a free local port, on the test database."""
    served = create_app(app_config(database_url))
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    with served.app_context():
        db.engine.dispose()  # close its pooled connections now, not when collected


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


class Visit:
    """One person's browser tab: it records CSP violations and scans pages with axe-core."""

    def __init__(self, page: Page, javascript: bool) -> None:
        self.page = page
        self.javascript = javascript
        self.problems: list[str] = []
        self.moderate: dict[str, set[str]] = {}  # axe rule id: the pages it was seen on
        page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or message.type == "error":
            self.problems.append(message.text)

    def check_accessibility(self, name: str) -> None:
        SCREENSHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        # axe-core needs scripts to run; the same markup is scanned in the JavaScript test.
        assert self.javascript, "scan pages in a tab with JavaScript on"
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            # Evaluated through the DevTools protocol, so the page's CSP is left as it is.
            self.page.evaluate(AXE.read_text())
        results: dict[str, Any] = self.page.evaluate(
            "async () => await axe.run(document, {resultTypes: ['violations']})"
        )
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
            for v in results["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], f"{name}: {json.dumps(serious, indent=1)}"
        for v in results["violations"]:
            self.moderate.setdefault(v["id"], set()).add(name)

    def page_width(self) -> int:
        """How wide the document is: wider than the window means the page scrolls sideways."""
        width: int = self.page.evaluate("() => document.scrollingElement.scrollWidth")
        return width


@pytest.fixture
def visit(browser: Browser) -> Iterator[Callable[..., Visit]]:
    contexts = []

    def open_tab(javascript: bool = True) -> Visit:
        context = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
        contexts.append(context)
        return Visit(context.new_page(), javascript)

    yield open_tab
    for context in contexts:
        context.close()


def press(page: Page, button: str) -> None:
    """Press a form's button and wait for the page it leads to to load."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def follow(page: Page, link: str) -> None:
    with page.expect_navigation():
        page.get_by_role("link", name=link).click()


def answer_feature_page(page: Page, choice: str) -> None:
    """Give the same answer to every group of radios on the page."""
    for group in page.locator("div.govuk-radios").all():
        group.get_by_label(choice, exact=True).check()


def test_phone_journey_with_javascript_is_accessible(
    app: Flask,
    live_server: str,
    visit: Callable[..., Visit],
    make_round: Callable[..., RoundRef],
    questionnaire: Questionnaire,
) -> None:
    assert AXE.exists(), "axe-core is installed by `npm ci` (make install)"
    round_ = make_round(localities=("North", "South"))
    tab = visit()
    page = tab.page
    page.goto(live_server + round_.url)
    page.wait_for_function("() => document.body.classList.contains('govuk-frontend-supported')")
    tab.check_accessibility("01-start")
    press(page, "Start now")
    tab.check_accessibility("02-about-you")

    press(page, "Save and continue")
    expect(page.get_by_text("There is a problem")).to_be_visible()
    # govuk-frontend moves focus to the error summary
    page.wait_for_function(
        "() => document.activeElement.classList.contains('govuk-error-summary')", timeout=5000
    )
    tab.check_accessibility("03-about-you-errors")
    page.get_by_label("Police").check()
    page.get_by_label("Frontline practitioner").check()
    page.get_by_label("North").check()
    press(page, "Save and continue")

    for number, feature in enumerate(questionnaire.features, start=2):
        expect(page.get_by_text(f"Section {number} of 8")).to_be_visible()
        expect(page.get_by_role("heading", name=feature.name)).to_be_visible()
        if number == 2:
            tab.check_accessibility("04-feature")
        answer_feature_page(page, "Agree" if number % 2 else "Disagree")
        if number == 6:
            press(page, "Save and come back later")
            code = page.locator(".boundary-resume-code").inner_text()
            tab.check_accessibility("04b-saved")
            follow(page, "Carry on with your answers now")
            page.get_by_label("Enter your resume code").fill(code)
            press(page, "Continue")
        else:
            press(page, "Save and continue")

    tab.check_accessibility("05-partners")
    # "None of these" is exclusive: ticking it clears the agencies (govuk-frontend behaviour).
    page.get_by_label("Health").check()
    page.get_by_label("None of these").check()
    expect(page.get_by_label("Health")).not_to_be_checked()
    page.get_by_label("Health").check()
    page.get_by_label("Education").check()
    press(page, "Save and continue")
    tab.check_accessibility("06-partner-ratings")
    answer_feature_page(page, "Well")
    press(page, "Save and continue")

    expect(
        page.get_by_role("heading", name="Check your answers before sending them")
    ).to_be_visible()
    tab.check_accessibility("07-check")
    press(page, "Send my answers")
    expect(page.get_by_role("heading", name="Your answers have been sent")).to_be_visible()
    tab.check_accessibility("08-done")
    page.goto(live_server + round_.url + "/resume")
    tab.check_accessibility("08b-resume")
    assert tab.problems == []
    assert count_rows(app, Submission) == 1
    assert count_rows(app, PartnerRating) == 6


def test_the_timeout_warning_lets_a_respondent_keep_their_answers(
    live_server: str,
    visit: Callable[..., Visit],
    make_round: Callable[..., RoundRef],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The GOV.UK timeout warning: a dialog before the idle limit, whose button extends it."""
    from surveys.responses import browser as kept_by_browser

    # Three seconds of quiet before the two-minute warning, instead of 58 minutes.
    monkeypatch.setattr(kept_by_browser, "IDLE_LIMIT_SECONDS", kept_by_browser.WARNING_SECONDS + 3)
    round_ = make_round()
    tab = visit()
    page = tab.page
    page.goto(live_server + round_.url + "/about-you")
    page.get_by_label("Police").check()
    page.get_by_label("Frontline practitioner").check()
    press(page, "Save and continue")
    warning = page.get_by_role("dialog", name="Do you need more time?")
    expect(warning).to_be_visible(timeout=10000)
    expect(page.get_by_role("button", name="Keep my answers")).to_be_focused()
    tab.check_accessibility("04c-timeout-warning")
    # A real request, which the server answers 204 only when it has restarted the limit.
    with page.expect_response(lambda r: r.url.endswith("/still-here")) as extended:
        page.keyboard.press("Enter")
    assert extended.value.status == 204
    expect(warning).to_be_hidden()
    # The limit restarts, the warning comes again; Escape keeps the answers too.
    expect(warning).to_be_visible(timeout=10000)
    with page.expect_response(lambda r: r.url.endswith("/still-here")) as extended:
        page.keyboard.press("Escape")
    assert extended.value.status == 204
    expect(warning).to_be_hidden()
    page.goto(live_server + round_.url + "/about-you")
    expect(page.get_by_label("Police")).to_be_checked()
    assert tab.problems == []


def test_phone_journey_without_javascript_with_save_and_resume(
    app: Flask,
    live_server: str,
    visit: Callable[..., Visit],
    make_round: Callable[..., RoundRef],
    questionnaire: Questionnaire,
) -> None:
    round_ = make_round()
    tab = visit(javascript=False)
    page = tab.page
    page.goto(live_server + round_.url + "/agency/health")
    expect(page.get_by_text("This link is for staff of Health")).to_be_visible()
    press(page, "Start now")
    expect(page.get_by_label("Health")).to_be_checked()
    page.get_by_label("Operational manager or supervisor").check()
    press(page, "Save and continue")
    answer_feature_page(page, "Strongly agree")
    press(page, "Save and come back later")
    code = page.locator(".boundary-resume-code").inner_text()

    # Later, on another phone: resume with the code, finish, and send.
    other = visit(javascript=False)
    later = other.page
    later.goto(live_server + round_.url)
    follow(later, "Continue a response you saved with a resume code")
    later.get_by_label("Enter your resume code").fill(code.lower())
    press(later, "Continue")
    expect(later.get_by_text("Section 3 of 8")).to_be_visible()
    for _ in questionnaire.features[1:]:
        answer_feature_page(later, "Neither agree nor disagree")
        press(later, "Save and continue")
    later.get_by_label("None of these").check()
    press(later, "Save and continue")
    press(later, "Send my answers")
    expect(later.get_by_role("heading", name="Your answers have been sent")).to_be_visible()
    # A refresh of the confirmation and a resend change nothing.
    later.reload()
    later.go_back()
    assert count_rows(app, Submission) == 1
    assert count_rows(app, PartnerRating) == 0
    assert tab.problems == [] and other.problems == []


def test_error_pages_are_accessible(live_server: str, visit: Callable[..., Visit]) -> None:
    tab = visit()
    response = tab.page.goto(live_server + "/r/not-a-real-link")
    assert response is not None and response.status == 404
    tab.check_accessibility("09-not-found")
    tab.page.goto(live_server + "/privacy")
    tab.check_accessibility("10-privacy")
    tab.page.goto(live_server + "/accessibility")
    tab.check_accessibility("10b-accessibility-statement")
    assert tab.problems == [] or all("404" in p for p in tab.problems)


def explained_moderate_rules() -> set[str]:
    """The axe rules docs/accessibility.md lists as known, each with its reason."""
    return set(re.findall(r"^\| `([a-z0-9-]+)` \|", ACCESSIBILITY_DOC.read_text(), re.M))


def test_every_staff_and_workshop_page_type_is_accessible_on_a_phone_and_a_desktop(
    app: Flask,
    live_server: str,
    browser: Browser,
    make_round: Callable[..., RoundRef],
    make_user: Callable[..., str],
    make_workshop: Callable[..., WorkshopRef],
) -> None:
    """One load of each page type per screen size, scanned with axe-core.

    Staff tables must scroll inside the page, never the page sideways (on a phone the
    Deactivate button would be off-screen).
    """
    make_round("scanned", agencies=["police", "health", "education"])
    with app.app_context():
        live = find_round("scanned")
        assert live is not None
        people = synthetic_responses(
            current_questionnaire(), 60, agencies=["police", "health", "education"]
        )
        record_submissions(live, current_questionnaire(), people, Channel.IMPORT, date.today())
        db.session.commit()
    publish(app, "scanned")
    workshop = make_workshop(title="Scanned room", round_slug="scanned")
    admin = make_user("admin")
    # Long addresses, as real ones are: the accounts table must still fit a phone.
    for agency in ("childrens-social-care", "education"):
        make_user("agency-lead", agency=agency)
    feature = current_questionnaire_feature(app)
    staff_pages = {
        "dashboard": "/reports/scanned",
        "feature": f"/reports/scanned/features/{feature}",
        "rounds": "/manage/rounds",
        "round": "/manage/rounds/scanned",
        "users": "/manage/users",
        "links": "/manage/rounds/scanned/links",
        "poster": "/manage/rounds/scanned/poster/police",
        "workshops": "/workshops",
        "console": workshop.console,
    }
    must_not_scroll_sideways = {"dashboard", "feature", "users", "console"}
    widths: dict[str, int] = {}
    moderate: dict[str, set[str]] = {}

    def seen(tab: Visit) -> None:
        for rule, pages in tab.moderate.items():
            moderate.setdefault(rule, set()).update(pages)

    started = time.monotonic()
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(viewport=viewport)
        try:
            tab = Visit(context.new_page(), javascript=True)
            page = tab.page
            page.goto(live_server + "/sign-in")
            tab.check_accessibility(f"30-{size}-sign-in")
            page.get_by_label("Email address").fill(admin)
            page.get_by_role("textbox", name="Password").fill(TEST_PASSWORD)
            press(page, "Sign in")
            for name, path in staff_pages.items():
                page.goto(live_server + path)
                tab.check_accessibility(f"31-{size}-{name}")
                if size == "phone" and name in must_not_scroll_sideways:
                    widths[name] = tab.page_width()
                if size == "phone" and name == "users":
                    deactivate = page.get_by_role("button", name=re.compile("^Deactivate"))
                    box = deactivate.last.bounding_box()
                    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
            phone = Visit(context.new_page(), javascript=True)
            phone.page.goto(live_server + "/join")
            phone.check_accessibility(f"32-{size}-join")
            phone.page.goto(live_server + workshop.room)
            phone.check_accessibility(f"33-{size}-room-about-you")
            phone.page.get_by_label("Police").check()
            phone.page.get_by_label("Frontline practitioner").check()
            press(phone.page, "Continue")
            phone.check_accessibility(f"34-{size}-room-answer")
            assert tab.problems == [] and phone.problems == []
            seen(tab)
            seen(phone)
        finally:
            context.close()

    with app.app_context():
        held = db.session.get(WorkshopSession, workshop.id)
        assert held is not None
        reveal(held, True)
        db.session.commit()
    for viewport in PROJECTORS:
        context = browser.new_context(viewport=viewport)
        try:
            screen = Visit(context.new_page(), javascript=True)
            screen.page.goto(live_server + "/sign-in")
            screen.page.get_by_label("Email address").fill(admin)
            screen.page.get_by_role("textbox", name="Password").fill(TEST_PASSWORD)
            press(screen.page, "Sign in")
            screen.page.goto(live_server + workshop.console + "/projector")
            screen.check_accessibility(f"35-projector-{viewport['width']}x{viewport['height']}")
            assert screen.problems == []
            seen(screen)
        finally:
            context.close()
    too_wide = {name: width for name, width in widths.items() if width > PHONE["width"]}
    assert len(widths) == len(must_not_scroll_sideways), widths
    assert too_wide == {}, f"pages wider than a phone: {too_wide}"
    unexplained = {rule: sorted(pages) for rule, pages in moderate.items()}
    for rule in explained_moderate_rules():
        unexplained.pop(rule, None)
    assert unexplained == {}, f"list these in docs/accessibility.md with a reason: {unexplained}"
    print(
        f"\nscanned {2 * (len(staff_pages) + 4) + len(PROJECTORS)} pages in "
        f"{time.monotonic() - started:.1f} s; moderate rules seen: {sorted(moderate)}"
    )


def current_questionnaire_feature(app: Flask) -> str:
    with app.app_context():
        return current_questionnaire().features[1].id


def keyboard_to(page: Page, button: str) -> None:
    """Tab through the page, as someone without a mouse would, answering what is asked.

    Space picks the first choice of each unanswered group of radios (and the first box of
    a list of boxes left empty); Enter on the named button or link goes on.
    """
    for _ in range(400):
        page.keyboard.press("Tab")
        focused: dict[str, Any] = page.evaluate(
            """() => {
                const e = document.activeElement
                const picked = e.name ? `input[name="${e.name}"]:checked` : null
                return {
                    type: e.type || '',
                    text: (e.innerText || e.value || '').trim(),
                    answered: picked !== null && document.querySelector(picked) !== null,
                }
            }"""
        )
        if focused["type"] in ("radio", "checkbox") and not focused["answered"]:
            page.keyboard.press("Space")
        elif focused["text"] == button:
            with page.expect_navigation():
                page.keyboard.press("Enter")
            return
    raise AssertionError(f"no way to reach {button!r} with the keyboard")


def test_the_whole_survey_can_be_completed_with_the_keyboard_alone(
    app: Flask,
    live_server: str,
    visit: Callable[..., Visit],
    make_round: Callable[..., RoundRef],
    questionnaire: Questionnaire,
) -> None:
    round_ = make_round()
    page = visit().page
    page.goto(live_server + round_.url)
    keyboard_to(page, "Start now")
    for _ in range(len(questionnaire.features) + 3):  # about you, features, partners, ratings
        keyboard_to(page, "Save and continue")
        if page.url.endswith("/check"):
            break
    keyboard_to(page, "Send my answers")
    expect(page.get_by_role("heading", name="Your answers have been sent")).to_be_visible()
    assert count_rows(app, Submission) == 1


def test_a_workshop_room_shows_answers_live_on_the_projector(
    app: Flask,
    live_server: str,
    browser: Browser,
    visit: Callable[..., Visit],
    make_user: Callable[..., str],
    make_workshop: Callable[..., WorkshopRef],
) -> None:
    """A facilitator's console and a projector watch while phones answer; neither reloads."""
    workshop = make_workshop(title="Browser room", features=("trust", "exchange"))
    email = make_user("facilitator")
    desk = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        console = Visit(desk.new_page(), javascript=True)
        page = console.page
        page.goto(live_server + "/sign-in")
        page.get_by_label("Email address").fill(email)
        page.get_by_role("textbox", name="Password").fill(TEST_PASSWORD)
        press(page, "Sign in")
        page.goto(live_server + workshop.console)
        console.check_accessibility("20-workshop-console")

        screen = Visit(desk.new_page(), javascript=True)
        projector = screen.page
        projector.set_viewport_size({"width": 1280, "height": 720})
        projector.goto(live_server + workshop.console + "/projector")
        expect(projector.get_by_role("heading", name="Join on your phone")).to_be_visible()
        screen.check_accessibility("21-projector-joining")
        # Marks on the loaded pages: a reload would wipe them.
        for watched in (page, projector):
            watched.evaluate("() => { window.stayed = true }")

        for number in range(1, 6):
            phone = visit(javascript=number % 2 == 1)  # some phones without JavaScript
            tab = phone.page
            tab.goto(live_server + "/join")
            tab.get_by_label("Workshop code").fill(
                f"{workshop.code[:3].lower()} {workshop.code[3:]}"
            )
            press(tab, "Join")
            tab.get_by_label("Police").check()
            tab.get_by_label("Frontline practitioner").check()
            press(tab, "Continue")
            if number == 1:
                phone.check_accessibility("22-participant-answer")
            answer_feature_page(tab, "Agree")
            press(tab, "Send my answers")
            expect(tab.get_by_text("Answers sent")).to_be_visible()
            if number == 1:
                phone.check_accessibility("23-participant-thanks")
            assert phone.problems == []
            # Within a poll or two, both screens show it without reloading.
            expect(projector.locator(".boundary-wall__count")).to_have_text(
                f"{number} answered", timeout=5000
            )
            expect(
                page.get_by_text(
                    f"{number} {'person has' if number == 1 else 'people have'} answered"
                )
            ).to_be_visible(timeout=5000)

        press(page, "Reveal results")
        expect(projector.get_by_role("heading", name="Relations of trust")).to_be_visible(
            timeout=5000
        )
        # Five frontline practitioners and no managers: the room's figure, but no split.
        expect(projector.get_by_text("Waiting until at least 5 managers").first).to_be_visible()
        screen.check_accessibility("24-projector-results")
        assert projector.evaluate("() => window.stayed === true")
        assert console.problems == [] and screen.problems == []
    finally:
        desk.close()
    assert count_rows(app, RoomResponse) == 5


def test_a_version_2_feature_page_on_a_phone_offers_both_non_answers_and_the_balance_answers(
    app: Flask, live_server: str, visit: Callable[..., Visit], make_round: Callable[..., RoundRef]
) -> None:
    round_ = make_round(version="cop-maturity-v2")
    tab = visit()
    page = tab.page
    page.goto(live_server + round_.url + "/about-you")
    page.get_by_label("Police").check()
    page.get_by_label("Team manager or supervisor").check()
    press(page, "Save and continue")
    page.goto(live_server + round_.url + "/section/exchange")
    expect(page.get_by_text("Neither counts towards the scores.")).to_be_visible()
    tab.check_accessibility("v2-exchange-phone")
    assert tab.page_width() <= PHONE["width"]  # nothing scrolls sideways
    # The balance statement has its own answers; the rest agree-disagree or a non-answer.
    balance = page.get_by_role("group", name=re.compile(r"Thinking of the information passed"))
    balance.get_by_label("Gives and gets about the same").check()
    for number, group in enumerate(page.locator("div.govuk-radios").all(), start=1):
        if number != 2:
            choice = "Not applicable to my role" if number == 1 else "Agree"
            group.get_by_label(choice, exact=True).check()
    press(page, "Save and continue")
    expect(page.get_by_role("heading", name="Mutual respect for difference")).to_be_visible()
    assert tab.problems == []


# Each chart's smallest word as shown: its font size times the chart's scale on the page.
SMALLEST_CHART_WORD = """() => Array.from(
    document.querySelectorAll('.boundary-chart-scroll svg')).map(svg => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const sizes = Array.from(svg.querySelectorAll('text')).map(
    t => parseFloat(getComputedStyle(t).fontSize) * scale);
  const region = svg.closest('.boundary-chart-scroll');
  return {label: region.getAttribute('aria-label'), smallest: Math.min(...sizes),
          scrolls: region.scrollWidth > region.clientWidth};
})"""


def test_chart_words_are_readable_on_a_phone(
    app: Flask,
    live_server: str,
    browser: Browser,
    make_round: Callable[..., RoundRef],
    make_user: Callable[..., str],
) -> None:
    """A chart drawn 700 units wide, shrunk to a phone's width, had 6-7 px words: on a phone
    a chart keeps its width and scrolls inside its own region, never the page."""
    make_round("charted", agencies=["police", "health", "education"])
    with app.app_context():
        live = find_round("charted")
        assert live is not None
        people = synthetic_responses(
            current_questionnaire(), 60, agencies=["police", "health", "education"]
        )
        record_submissions(live, current_questionnaire(), people, Channel.IMPORT, date.today())
        db.session.commit()
    publish(app, "charted")
    admin = make_user("admin")
    feature = current_questionnaire_feature(app)
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(live_server + "/sign-in")
        page.get_by_label("Email address").fill(admin)
        page.get_by_role("textbox", name="Password").fill(TEST_PASSWORD)
        press(page, "Sign in")
        for path in ("/reports/charted", f"/reports/charted/features/{feature}"):
            page.goto(live_server + path)
            charts = page.evaluate(SMALLEST_CHART_WORD)
            assert charts, path
            too_small = [c for c in charts if c["smallest"] < 10]
            assert too_small == [], f"chart words under 10 px on a phone: {too_small}"
            assert all(c["scrolls"] for c in charts), charts  # inside the region...
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], (path, width)  # ...not the page
    finally:
        context.close()
