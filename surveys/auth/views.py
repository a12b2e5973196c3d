"""Signing in and out, and changing one's password."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user
from werkzeug.wrappers.response import Response

from ..audit import record
from . import devices
from .access import REPORT_READERS, roles_required, signed_in_user
from .forms import ChangePasswordForm, SignInForm
from .models import Role, User
from .service import AccountError, TooManyAttempts, authenticate, change_password, end_sessions

blueprint = Blueprint("auth", __name__)

ALL_ROLES = frozenset(Role)


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never send someone on to another site after signing in."""
    if not target:
        return None
    # Browsers read a backslash as a slash ("/\\evil.example" is "//evil.example", another
    # site) and drop tabs and newlines from addresses: refuse both outright.
    if "\\" in target or any(ord(character) <= 32 for character in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def home_for_role(role: Role) -> str:
    if role in REPORT_READERS:
        return url_for("reports.rounds")
    return url_for("site.home")


def start_session(user: User) -> None:
    session.clear()  # a fresh session for the signed-in person
    login_user(user)
    session.permanent = True  # ends after PERMANENT_SESSION_LIFETIME without use
    session["signed_in_at"] = int(time.time())


@blueprint.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> str | Response | tuple[str, int]:
    form = SignInForm()
    if form.validate_on_submit():
        address = request.remote_addr or "unknown"
        known = devices.known_device()
        try:
            result = authenticate(form.email.data or "", form.password.data or "", address, known)
        except TooManyAttempts as waiting:
            minutes = max(1, -(-waiting.wait_seconds // 60))
            return render_template("auth/too_many_attempts.html", minutes=minutes), 429
        user = result.user
        if user is None:
            # The email typed only if it names an account: a password typed into the
            # email box by mistake is not kept.
            typed = (form.email.data or "").strip().lower() if result.known_account else ""
            record("sign-in failed", target=typed or "(no such account)")
            form.email.errors = ["Enter a correct email address and password"]
        else:
            start_session(user)
            record("sign-in", target=user.email)
            response = redirect(
                _safe_next(request.args.get("next")) or home_for_role(user.role_enum)
            )
            devices.remember_device(response, user, known)
            return response
    return render_template("auth/sign_in.html", form=form)


@blueprint.post("/sign-out")
def sign_out() -> Response:
    """Ends every session of the account, not only this browser's: a copy of the cookie
    taken earlier (a shared computer, a stolen laptop) opens nothing afterwards."""
    user = signed_in_user()
    if user is not None:
        record("sign-out", target=user.email)
        end_sessions(user)
    logout_user()
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("auth.sign_in"))


@blueprint.route("/account/password", methods=["GET", "POST"])
@roles_required(ALL_ROLES)
def password() -> str | Response:
    form = ChangePasswordForm()
    user = signed_in_user()
    assert user is not None
    if form.validate_on_submit():
        try:
            change_password(user, form.current.data or "", form.new.data or "")
        except AccountError as error:
            target = form.current if error.field == "current_password" else form.new
            target.errors = [str(error)]
        else:
            start_session(user)  # this session goes on; every other one has ended
            record("password changed", target=user.email)
            flash("Your password has been changed. Any other sessions have been signed out.")
            return redirect(home_for_role(user.role_enum))
    return render_template("auth/password.html", form=form)
