"""Staff accounts: sign-in, sign-out, rate limiting, expiry, passwords, the create-user CLI."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from surveys.auth.models import SignInThrottle, User
from surveys.database import db
from tests.helpers import TEST_PASSWORD, csrf_token_in

MakeUser = Callable[..., str]


def csrf(client: FlaskClient, path: str) -> str:
    return csrf_token_in(client.get(path).get_data(as_text=True))


def attempt(client: FlaskClient, email: str, password: str, path: str = "/sign-in") -> object:
    return client.post(
        path, data={"csrf_token": csrf(client, "/sign-in"), "email": email, "password": password}
    )


def test_sign_in_takes_a_manager_to_the_results(client: FlaskClient, make_user: MakeUser) -> None:
    email = make_user("manager")
    response = attempt(client, email.upper() + "  ", TEST_PASSWORD)
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert response.headers["Location"].endswith("/reports")  # type: ignore[attr-defined]
    page = client.get("/reports").get_data(as_text=True)
    assert "Sign out" in page and "Results" in page
    cookie = response.headers["Set-Cookie"]  # type: ignore[attr-defined]
    assert "Expires=" in cookie and "HttpOnly" in cookie and "Secure" in cookie


def test_wrong_password_says_so_without_saying_which_part(
    client: FlaskClient, make_user: MakeUser
) -> None:
    email = make_user("manager")
    for who, password in ((email, "wrong password!!"), ("nobody@example.org", TEST_PASSWORD)):
        response = attempt(client, who, password)
        body = response.get_data(as_text=True)  # type: ignore[attr-defined]
        assert response.status_code == 200  # type: ignore[attr-defined]
        assert "Enter a correct email address and password" in body
    assert client.get("/reports").status_code == 302


def test_repeated_failures_are_refused_for_a_while(
    app: Flask, client: FlaskClient, make_user: MakeUser
) -> None:
    email = make_user("admin")
    for _ in range(5):
        attempt(client, email, "not the password")
    response = attempt(client, email, TEST_PASSWORD)  # even the right password now waits
    assert response.status_code == 429  # type: ignore[attr-defined]
    assert "Wait 1 minute and try again" in response.get_data(as_text=True)  # type: ignore[attr-defined]
    # The count is kept in the database, so every worker process sees it: one row for the
    # account and one for the address, holding no email or address (hashed keys).
    with app.app_context():
        rows = db.session.scalars(select(SignInThrottle)).all()
        assert sorted(row.failures for row in rows) == [5, 5]
        assert all(email not in row.key and "127.0.0.1" not in row.key for row in rows)


def test_a_deactivated_account_cannot_sign_in(
    app: Flask, client: FlaskClient, make_user: MakeUser
) -> None:
    email = make_user("manager")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        user.active = False
        db.session.commit()
    body = attempt(client, email, TEST_PASSWORD).get_data(as_text=True)  # type: ignore[attr-defined]
    assert "Enter a correct email address and password" in body


def test_sign_out_ends_the_session(
    client: FlaskClient, make_user: MakeUser, sign_in: Callable[[str], None]
) -> None:
    sign_in(make_user("manager"))
    token = csrf(client, "/reports")
    response = client.post("/sign-out", data={"csrf_token": token}, follow_redirects=True)
    assert "You have signed out" in response.get_data(as_text=True)
    assert client.get("/reports").status_code == 302


def test_sign_out_needs_a_form_post(client: FlaskClient) -> None:
    assert client.get("/sign-out").status_code == 405


def test_a_signed_in_session_ends_after_twelve_hours_however_busy(
    client: FlaskClient, make_user: MakeUser, sign_in: Callable[[str], None]
) -> None:
    sign_in(make_user("manager"))
    assert client.get("/reports").status_code == 200
    with client.session_transaction() as session:
        session["signed_in_at"] = int(time.time()) - 13 * 60 * 60
    assert client.get("/reports").status_code == 302


def test_after_sign_in_only_a_local_page_is_followed(
    client: FlaskClient, make_user: MakeUser
) -> None:
    email = make_user("manager")
    token = csrf(client, "/sign-in")
    response = client.post(
        "/sign-in?next=https://evil.example/steal",
        data={"csrf_token": token, "email": email, "password": TEST_PASSWORD},
    )
    assert response.headers["Location"].endswith("/reports")
    client.post("/sign-out", data={"csrf_token": csrf(client, "/reports")})
    token = csrf(client, "/sign-in")
    response = client.post(
        "/sign-in?next=/manage/rounds",
        data={"csrf_token": token, "email": email, "password": TEST_PASSWORD},
    )
    assert response.headers["Location"].endswith("/manage/rounds")


def test_changing_a_password(
    app: Flask, client: FlaskClient, make_user: MakeUser, sign_in: Callable[[str], None]
) -> None:
    email = make_user("agency-lead", "police")
    sign_in(email)
    token = csrf(client, "/account/password")
    bad = client.post(
        "/account/password",
        data={"csrf_token": token, "current": "wrong", "new": "short", "confirm": "short"},
    ).get_data(as_text=True)
    assert "Your current password is not right" in bad
    mismatch = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current": TEST_PASSWORD,
            "new": "a much longer one",
            "confirm": "something else",
        },
    ).get_data(as_text=True)
    assert "The two new passwords do not match" in mismatch
    short = client.post(
        "/account/password",
        data={"csrf_token": token, "current": TEST_PASSWORD, "new": "short", "confirm": "short"},
    ).get_data(as_text=True)
    assert "at least 12 characters" in short
    done = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current": TEST_PASSWORD,
            "new": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
        follow_redirects=True,
    )
    assert "Your password has been changed" in done.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None and "a brand new passphrase" not in user.password_hash
        assert user.password_hash.startswith("scrypt:")  # a modern, slow hash


def test_create_user_prompts_for_the_password(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-user", "Lead@Example.org", "--role", "admin", "--name", "Ada"],
        input="a long enough password\na long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created the administrator account lead@example.org." in result.output
    assert "a long enough password" not in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "lead@example.org"))
        assert user is not None and user.role == "admin" and user.name == "Ada"


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["not-an-email", "--role", "admin"], "a long enough password", "is not an email address"),
        (["x@example.org", "--role", "admin"], "too short", "at least 12 characters"),
        (
            ["x@example.org", "--role", "agency-lead"],
            "a long enough password",
            "An agency lead needs an agency",
        ),
        (
            ["x@example.org", "--role", "agency-lead", "--agency", "mi5"],
            "a long enough password",
            "Unknown agency 'mi5'",
        ),
        (
            ["x@example.org", "--role", "manager", "--agency", "police"],
            "a long enough password",
            "Only agency leads belong to an agency",
        ),
        (["x@example.org", "--role", "emperor"], "a long enough password", "Invalid value"),
    ],
)
def test_create_user_refuses_bad_input(
    app: Flask, args: list[str], password: str, message: str
) -> None:
    result = app.test_cli_runner().invoke(
        args=["create-user", *args], input=f"{password}\n{password}\n"
    )
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_an_email_has_one_account(app: Flask, make_user: MakeUser) -> None:
    make_user("manager", email="twice@example.org")
    result = app.test_cli_runner().invoke(
        args=["create-user", "twice@example.org", "--role", "admin"],
        input="a long enough password\na long enough password\n",
    )
    assert result.exit_code != 0 and "There is already an account" in result.output
