"""A session ends everywhere: a cookie copied before sign-out, a password change, a
deactivation or an administrator's reset opens nothing afterwards (replayed here)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from surveys.auth.models import User
from surveys.database import db
from tests.helpers import TEST_PASSWORD, csrf_token_in

MakeUser = Callable[..., str]
COOKIE = "boundary_session"
NEW_PASSWORD = "a different long passphrase"


def signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    token = csrf_token_in(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        "/sign-in", data={"csrf_token": token, "email": email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return client


def captured(client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def replay(app: Flask, cookie: str, path: str) -> int:
    """Open a page in a new browser holding only a copy of the session cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie)
    return thief.get(path).status_code


def post_form(client: FlaskClient, page: str, target: str, **data: str) -> int:
    token = csrf_token_in(client.get(page).get_data(as_text=True))
    return client.post(target, data={"csrf_token": token, **data}).status_code


def user_id(app: Flask, email: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(User.id).where(User.email == email))
        assert found is not None
        return found


def test_a_cookie_copied_before_sign_out_opens_nothing_after(
    app: Flask, make_user: MakeUser
) -> None:
    email = make_user("admin")
    browser = signed_in(app, email)
    other_browser = signed_in(app, email)  # the same person at another desk
    cookie = captured(browser)
    assert replay(app, cookie, "/manage/users") == 200  # the copy works while signed in
    assert post_form(browser, "/manage/users", "/sign-out") == 302
    assert replay(app, cookie, "/manage/users") == 302
    # Signing out ends every session of the account, the other desk's too.
    assert other_browser.get("/manage/users").status_code == 302


def test_changing_a_password_ends_every_other_session_but_this_one(
    app: Flask, make_user: MakeUser
) -> None:
    email = make_user("admin")
    browser = signed_in(app, email)
    stolen = captured(signed_in(app, email))
    before = captured(browser)
    assert replay(app, stolen, "/manage/users") == 200
    status = post_form(
        browser,
        "/account/password",
        "/account/password",
        current=TEST_PASSWORD,
        new=NEW_PASSWORD,
        confirm=NEW_PASSWORD,
    )
    assert status == 302
    assert replay(app, stolen, "/manage/users") == 302
    assert replay(app, before, "/manage/users") == 302  # its own cookie from before, too
    assert browser.get("/manage/users").status_code == 200  # the browser that changed it


def test_deactivating_an_account_ends_its_sessions(app: Flask, make_user: MakeUser) -> None:
    victim = make_user("manager")
    cookie = captured(signed_in(app, victim))
    assert replay(app, cookie, "/reports") == 200
    admin = signed_in(app, make_user("admin"))
    target = f"/manage/users/{user_id(app, victim)}/deactivate"
    assert post_form(admin, "/manage/users", target) == 302
    assert replay(app, cookie, "/reports") == 302
    # Reactivating does not bring the old session back.
    assert post_form(admin, "/manage/users", target.replace("deactivate", "activate")) == 302
    assert replay(app, cookie, "/reports") == 302


def test_an_administrators_reset_ends_the_accounts_sessions(
    app: Flask, make_user: MakeUser
) -> None:
    victim = make_user("manager")
    cookie = captured(signed_in(app, victim))
    admin = signed_in(app, make_user("admin"))
    page = f"/manage/users/{user_id(app, victim)}/password"
    weak = admin.post(
        page,
        data={
            "csrf_token": csrf_token_in(admin.get(page).get_data(as_text=True)),
            "new": "password1234",
        },
    )
    assert weak.status_code == 200 and "easy to guess" in weak.get_data(as_text=True)
    assert replay(app, cookie, "/reports") == 200  # a refused reset changes nothing
    assert post_form(admin, page, page, new=NEW_PASSWORD) == 302
    assert replay(app, cookie, "/reports") == 302
    # The new password works; the old one does not.
    fresh = app.test_client()
    token = csrf_token_in(fresh.get("/sign-in").get_data(as_text=True))
    old = fresh.post(
        "/sign-in", data={"csrf_token": token, "email": victim, "password": TEST_PASSWORD}
    )
    assert old.status_code == 200
    new = fresh.post(
        "/sign-in", data={"csrf_token": token, "email": victim, "password": NEW_PASSWORD}
    )
    assert new.status_code == 302


def test_a_session_without_a_generation_is_not_signed_in(
    app: Flask, client: FlaskClient, make_user: MakeUser
) -> None:
    """A cookie made before sessions carried a generation (or forged without one)."""
    email = make_user("admin")
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id(app, email))
        session["_fresh"] = True
    assert client.get("/manage/users").status_code == 302
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id(app, email)}.99"  # a generation not yet reached
    assert client.get("/manage/users").status_code == 302
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id(app, email)}.0"  # the account's own generation
    assert client.get("/manage/users").status_code == 200
