"""Attacks from the security probe that had no test of their own: open redirects after
sign-in, oversized bodies, the PDF renderer asked to fetch other files or the network,
and markup in staff-typed text on the audit log. docs/security.md lists every attack."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from surveys.reporting.typesetting import StaticFilesOnly
from tests.helpers import PROJECT_ROOT, TEST_PASSWORD, RoundRef, WorkshopRef, csrf_token_in

MakeUser = Callable[..., str]
OFF_SITE = [
    "https://evil.example/steal",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "http:/evil.example",
    "/\t/evil.example",
    "/%09/evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "http://localhost@evil.example",
    "\n//evil.example",
    "//evil.example/%2F..",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_never_sends_anyone_off_site(
    client: FlaskClient, make_user: MakeUser, target: str
) -> None:
    email = make_user("manager")
    token = csrf_token_in(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        "/sign-in",
        query_string={"next": target},
        data={"csrf_token": token, "email": email, "password": TEST_PASSWORD},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    # A path on this site, which a browser cannot read as another host.
    assert location.startswith("/") and not location.startswith("//"), location
    assert "\\" not in location and "evil" not in location.split("?")[0].split("/")[1], location


@pytest.mark.parametrize("path", ["/sign-in", "/join", "survey"])
def test_an_oversized_body_gets_a_413_page(
    client: FlaskClient, make_round: Callable[..., RoundRef], path: str
) -> None:
    if path == "survey":
        path = f"{make_round().url}/about-you"
    response = client.post(
        path,
        data=b"x=" + b"a" * (3 * 1024 * 1024),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert "What was sent is too large" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:5432/",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.org/logo.png",
        "ftp://example.org/x",
        "file://{static}/../app.py",
        "file://{static}/%2e%2e/instance/secret_key",
        "data:text/plain,hello",
    ],
)
def test_the_pdf_renderer_fetches_nothing_but_boundarys_own_files(url: str) -> None:
    static = (PROJECT_ROOT / "static").resolve()
    fetcher = StaticFilesOnly(static)
    with pytest.raises(ValueError, match="only use Boundary's own files"):
        fetcher.fetch(url.format(static=static))


def test_the_pdf_renderer_does_fetch_its_own_stylesheet() -> None:
    static = (PROJECT_ROOT / "static").resolve()
    own = next(Path(static).rglob("*.css"))
    response = StaticFilesOnly(static).fetch(own.as_uri())
    assert response is not None


def test_markup_typed_by_staff_is_text_on_the_audit_log(
    app: Flask, client: FlaskClient, make_user: MakeUser, make_round: Callable[..., RoundRef]
) -> None:
    from surveys.audit import record

    with app.app_context():
        record("round created", target="<script>alert(1)</script>", detail="<img src=x>")
    admin = make_user("admin")
    token = csrf_token_in(client.get("/sign-in").get_data(as_text=True))
    client.post("/sign-in", data={"csrf_token": token, "email": admin, "password": TEST_PASSWORD})
    page = client.get("/manage/audit").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "<img src=x>" not in page
    assert "<script>alert(1)</script>" in html.unescape(page)


def test_markup_in_a_workshop_title_is_text_on_every_screen(
    app: Flask, make_user: MakeUser, make_workshop: Callable[..., WorkshopRef]
) -> None:
    title = '<script>alert("room")</script><img src=x onerror=alert(1)>'
    workshop = make_workshop(title=title)
    facilitator = app.test_client()
    token = csrf_token_in(facilitator.get("/sign-in").get_data(as_text=True))
    email = make_user("facilitator")
    facilitator.post(
        "/sign-in", data={"csrf_token": token, "email": email, "password": TEST_PASSWORD}
    )
    phone = app.test_client()
    for client, path in (
        (facilitator, workshop.console),
        (facilitator, f"{workshop.console}/projector"),
        (facilitator, f"{workshop.console}/live/projector"),
        (facilitator, f"{workshop.console}/live/console"),
        (facilitator, "/workshops"),
        (phone, workshop.room),
    ):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page, path
        if "/live/" not in path:  # the live fragments hold the figures, not the title
            assert title in html.unescape(page), path
