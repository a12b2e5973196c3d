"""Common and guessable passwords are refused, with the reason at the field, wherever a
password is set: one's own change, an administrator's new account or reset, the CLI."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from surveys.auth.passwords import common_passwords, password_problem
from tests.helpers import TEST_PASSWORD, csrf_token_in, field_error

MakeUser = Callable[..., str]

REFUSED = [
    ("password1234", "easy to guess"),  # the one the security probe got accepted
    ("Password1234!", "easy to guess"),
    ("qwertyuiop123", "easy to guess"),
    ("1234567890123", "easy to guess"),
    ("iloveyou2026!!", "easy to guess"),
    ("aaaaaaaaaaaaaaaa", "run or a repeat"),
    ("abcabcabcabcabc", "run or a repeat"),
    ("abcdefgh12345678", "run or a repeat"),
    ("short", "at least 12 characters"),
    ("jordan.blake.2026", "email address or your name"),
    ("Blake Blake Blake!", "email address or your name"),
]
ACCEPTED = [
    TEST_PASSWORD,
    "a long enough password",
    "my dog ate the duty rota",
    "Tr4ms & kettles 9",
]


@pytest.mark.parametrize(("password", "reason"), REFUSED)
def test_guessable_passwords_are_refused_with_a_reason(password: str, reason: str) -> None:
    problem = password_problem(password, "jordan.blake@example.org", "Jordan Blake")
    assert problem is not None and reason in problem


@pytest.mark.parametrize("password", ACCEPTED)
def test_long_unusual_passwords_are_accepted(password: str) -> None:
    assert password_problem(password, "jordan.blake@example.org", "Jordan Blake") is None


def test_the_bundled_list_is_there_and_large() -> None:
    common = common_passwords()
    assert len(common) >= 10_000 - 50  # a few duplicates differ only by case
    assert {"password", "letmein", "qwerty", "iloveyou", "dragon"} <= common


def test_changing_ones_password_to_a_common_one_is_refused_at_the_field(
    client: FlaskClient, make_user: MakeUser, sign_in: Callable[[str], None]
) -> None:
    sign_in(make_user("manager"))
    token = csrf_token_in(client.get("/account/password").get_data(as_text=True))
    page = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current": TEST_PASSWORD,
            "new": "password1234",
            "confirm": "password1234",
        },
    ).get_data(as_text=True)
    assert "easy to guess" in field_error(page, "new")
    assert 'href="#new"' in page  # the error summary links to the field


def test_an_administrator_cannot_give_a_new_account_a_common_password(
    app: Flask, client: FlaskClient, make_user: MakeUser, sign_in: Callable[[str], None]
) -> None:
    sign_in(make_user("admin"))
    token = csrf_token_in(client.get("/manage/users/new").get_data(as_text=True))
    page = client.post(
        "/manage/users/new",
        data={
            "csrf_token": token,
            "name": "Sam Keane",
            "email": "sam.keane@example.org",
            "role": "manager",
            "agency": "",
            "password": "samkeane-boundary",
        },
    ).get_data(as_text=True)
    assert "email address or your name" in field_error(page, "password")


def test_the_command_line_refuses_a_common_password(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["create-user", "x@example.org", "--role", "admin"],
        input="password1234\npassword1234\n",
    )
    assert result.exit_code != 0 and "easy to guess" in result.output
    assert "Traceback" not in result.output


def test_an_over_long_email_is_refused_plainly(app: Flask) -> None:
    """Lower-casing can lengthen an address past the column (İ is two characters lowered)."""
    result = app.test_cli_runner().invoke(
        args=["create-user", "İ" * 200 + "@example.org", "--role", "admin"],
        input=f"{TEST_PASSWORD}\n{TEST_PASSWORD}\n",
    )
    assert result.exit_code != 0 and "254 characters or fewer" in result.output
