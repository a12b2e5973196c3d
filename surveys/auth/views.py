"""Signing in and out, and changing one's password."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user
from werkzeug.wrappers.response import Response

from .access import REPORT_READERS, roles_required, signed_in_user
from .forms import ChangePasswordForm, SignInForm
from .models import Role
from .service import AccountError, TooManyAttempts, authenticate, change_password

blueprint = Blueprint("auth", __name__)

ALL_ROLES = frozenset(Role)


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never send someone on to another site after signing in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def home_for_role(role: Role) -> str:
    if role in REPORT_READERS:
        return url_for("reports.rounds")
    return url_for("site.home")


@blueprint.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> str | Response | tuple[str, int]:
    form = SignInForm()
    if form.validate_on_submit():
        address = request.remote_addr or "unknown"
        try:
            user = authenticate(form.email.data or "", form.password.data or "", address)
        except TooManyAttempts:
            return render_template("auth/too_many_attempts.html"), 429
        if user is None:
            form.email.errors = ["Enter a correct email address and password"]
        else:
            session.clear()  # a fresh session for the signed-in person
            login_user(user)
            session.permanent = True  # ends after PERMANENT_SESSION_LIFETIME without use
            session["signed_in_at"] = int(time.time())
            return redirect(_safe_next(request.args.get("next")) or home_for_role(user.role_enum))
    return render_template("auth/sign_in.html", form=form)


@blueprint.post("/sign-out")
def sign_out() -> Response:
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
            target = form.current if "current" in str(error) else form.new
            target.errors = [str(error)]
        else:
            flash("Your password has been changed.")
            return redirect(home_for_role(user.role_enum))
    return render_template("auth/password.html", form=form)
