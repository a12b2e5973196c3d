"""The dashboard's summary, measured in a real headless Chromium: a board member sees all of
it in the first 1,000 px of a 1366x768 desktop, and within two screens of a 390x844 phone.

Measured on the demo round (eleven agencies, workshop actions, six notable gaps): what a
partnership's dashboard looks like, not a toy one.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from surveys import create_app
from surveys.database import db
from tests.helpers import TEST_PASSWORD, app_config

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
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
DESKTOP_FOLD = 1000  # px from the top of the page
PHONE_SCREENS = 2
SMALLEST_CHART_TEXT = 11.0  # px, as drawn on the screen (a chart is scaled to its column)

if CHROMIUM is None:
    pytest.skip(
        "Chromium is not installed (apt-get install chromium); browser tests skipped",
        allow_module_level=True,
    )

from playwright.sync_api import Page, sync_playwright  # noqa: E402


@pytest.fixture
def demo_server(database_url: str, app: Flask, make_user: Any) -> Iterator[tuple[str, str]]:
    """The demo round, served over HTTP, and a manager's email to sign in with."""
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    email = make_user("manager")
    served = create_app(app_config(database_url))
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", email
    server.shutdown()
    thread.join()
    with served.app_context():
        db.engine.dispose()


def summary_as_seen(page: Page) -> dict[str, Any]:
    """Where the summary ends, how wide the page is, and the smallest chart text in it as
    drawn (its font size times the scale its <svg> is shown at)."""
    found: dict[str, Any] = page.evaluate(
        """() => {
            const glance = document.querySelector('.boundary-glance')
            const box = glance.getBoundingClientRect()
            let smallest = Infinity
            for (const svg of glance.querySelectorAll('svg')) {
                const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width
                for (const text of svg.querySelectorAll('text')) {
                    const size = parseFloat(text.getAttribute('font-size'))
                    smallest = Math.min(smallest, size * scale)
                }
            }
            return {
                bottom: box.bottom + window.scrollY,
                width: document.scrollingElement.scrollWidth,
                charts: glance.querySelectorAll('svg[role="img"]').length,
                smallest: smallest,
                text: glance.innerText,
            }
        }"""
    )
    return found


def test_the_summary_fits_a_desktop_screen_and_two_phone_screens(
    demo_server: tuple[str, str], tmp_path: Any
) -> None:
    base, email = demo_server
    seen: dict[str, dict[str, Any]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
                page = context.new_page()
                page.goto(base + "/sign-in")
                page.get_by_label("Email address").fill(email)
                page.get_by_role("textbox", name="Password").fill(TEST_PASSWORD)
                with page.expect_navigation():
                    page.get_by_role("button", name="Sign in").click()
                page.goto(base + "/reports/demo")
                seen[name] = summary_as_seen(page)
                page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
                context.close()
        finally:
            browser.close()
    desktop, phone = seen["desktop"], seen["phone"]
    assert desktop["bottom"] <= DESKTOP_FOLD, f"desktop: summary ends at {desktop['bottom']} px"
    limit = PHONE_SCREENS * PHONE["height"]
    assert phone["bottom"] <= limit, f"phone: summary ends at {phone['bottom']} px"
    assert phone["width"] <= PHONE["width"], "the page scrolls sideways on a phone"
    for where in (desktop, phone):
        # The five things, with two pictures: the features' levels and the largest gaps.
        assert where["charts"] == 2
        for words in ("people answered", "Where each feature stands", "notable gaps"):
            assert words in where["text"]
        assert "What moved" in where["text"] and "Actions agreed at workshops" in where["text"]
        assert where["smallest"] >= SMALLEST_CHART_TEXT, f"chart text {where['smallest']:.1f} px"
    print(
        f"\nsummary ends at {desktop['bottom']:.0f} px (desktop 1366x768, limit {DESKTOP_FOLD})"
        f" and {phone['bottom']:.0f} px (phone 390x844, limit {limit}); smallest chart text "
        f"{desktop['smallest']:.1f} px desktop, {phone['smallest']:.1f} px phone"
    )
