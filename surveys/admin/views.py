"""Administrators run the service: rounds (dates, agencies, headcounts, links) and accounts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.wrappers.response import Response

from ..audit import Download
from ..auth.access import ADMINS, roles_required, signed_in_user
from ..auth.forms import NewUserForm
from ..auth.models import Role, User
from ..auth.service import AccountError, create_user
from ..database import db
from ..library import current_questionnaire, questionnaire
from ..links import public_base, qr_svg
from ..releases.service import (
    ReleaseRefused,
    ensure_final_release,
    publish_release,
    releases_of,
)
from ..responses.models import Submission
from ..rounds.calendar import closing_after, end_of_day, local_date, start_of_day
from ..rounds.models import Round, RoundStateError, utc_now
from ..rounds.service import (
    MAX_HEADCOUNT,
    RoundError,
    RoundSpec,
    create_round,
    find_round,
    set_headcounts,
    slugify,
    update_round,
)
from ..widgets import choices
from .forms import round_form

blueprint = Blueprint("manage", __name__, url_prefix="/manage")

View = str | Response


@blueprint.before_request
@roles_required(ADMINS)
def admins_only() -> None:
    """Every page here is for administrators."""


def round_or_404(slug: str) -> Round:
    round_ = find_round(slug)
    if round_ is None:
        abort(404, "There is no round at this address.")
    return round_


def zone() -> str:
    return str(current_app.config["DISPLAY_TIMEZONE"])


@blueprint.get("/rounds")
def rounds() -> View:
    rows = db.session.execute(
        select(Round, func.count(Submission.id))
        .outerjoin(Submission, Submission.round_id == Round.id)
        .group_by(Round.id)
        .order_by(Round.opens_at.desc())
    ).all()
    return render_template("manage/rounds.html", rows=rows)


@blueprint.route("/rounds/new", methods=["GET", "POST"])
def new_round() -> View:
    q = current_questionnaire()
    today = local_date(utc_now(), zone())
    form = round_form(q, data={"agencies": [a.id for a in q.agencies], "opens": today})
    if form.validate_on_submit():
        slug = (form.slug.data or "").strip() or slugify(form.name.data or "")
        spec = RoundSpec(
            name=form.name.data or "",
            slug=slug,
            opens_at=start_of_day(form.opens.data, zone()),
            closes_at=end_of_day(form.closes.data, zone()),
            agency_ids=list(form.agencies.data or []),
            localities=(form.localities.data or "").splitlines(),
        )
        try:
            round_ = create_round(spec, q, current_app.config["ROUND_LENGTH_DAYS"], zone())
        except RoundError as error:
            message = str(error)
            target = (
                form.slug
                if "slug" in message
                else form.localities
                if "localit" in message
                else form.name
            )
            target.errors = [str(error)]
        else:
            flash(f"The round ‘{round_.name}’ has been created.")
            return redirect(url_for(".round_page", slug=round_.slug))
    return render_template("manage/round_form.html", form=form, creating=True)


@blueprint.get("/rounds/<slug>")
def round_page(slug: str) -> View:
    round_ = round_or_404(slug)
    responses = db.session.scalar(
        select(func.count(Submission.id)).where(Submission.round_id == round_.id)
    )
    return render_template(
        "manage/round.html",
        round=round_,
        responses=responses,
        releases=list(reversed(releases_of(round_))),
        form=FlaskForm(),
    )


@blueprint.post("/rounds/<slug>/release")
def release(slug: str) -> View:
    round_ = round_or_404(slug)
    if not FlaskForm().validate():
        abort(400, "The form could not be checked. Nothing was published.")
    try:
        published = publish_release(round_)
    except ReleaseRefused as refusal:
        flash(str(refusal), "error")
        return redirect(url_for(".round_page", slug=slug))
    flash(
        f"Release {published.number} is published: report readers now see these figures "
        "until the next release.",
        "success",
    )
    return redirect(url_for(".round_page", slug=slug))


@blueprint.get("/downloads")
def downloads() -> View:
    rows = db.session.scalars(select(Download).order_by(Download.id.desc()).limit(500)).all()
    return render_template("manage/downloads.html", downloads=rows)


@blueprint.route("/rounds/<slug>/edit", methods=["GET", "POST"])
def edit_round(slug: str) -> View:
    round_ = round_or_404(slug)
    q = questionnaire(round_.questionnaire_version)
    form = round_form(
        q,
        data={
            "name": round_.name,
            "slug": round_.slug,
            "opens": local_date(round_.opens_at, zone()),
            "closes": local_date(round_.closes_at, zone()),
            "agencies": [a.agency_id for a in round_.agencies],
            "localities": "\n".join(loc.name for loc in round_.localities),
        },
    )
    if form.validate_on_submit():
        opens_on = form.opens.data
        # Keeping the first day as it was keeps the exact opening time.
        opens_at = (
            round_.opens_at
            if opens_on == local_date(round_.opens_at, zone())
            else start_of_day(opens_on, zone())
        )
        try:
            update_round(
                round_,
                q,
                form.name.data or "",
                opens_at,
                end_of_day(form.closes.data, zone()),
                list(form.agencies.data or []),
                (form.localities.data or "").splitlines(),
            )
        except RoundError as error:
            db.session.rollback()
            message = str(error)
            target = (
                form.agencies
                if "agenc" in message or "round:" in message
                else form.localities
                if "localit" in message
                else form.closes
                if "date" in message
                else form.name
            )
            target.errors = [message]
        else:
            flash("The round has been updated.")
            return redirect(url_for(".round_page", slug=round_.slug))
    return render_template("manage/round_form.html", form=form, creating=False, round=round_)


@blueprint.post("/rounds/<slug>/<any(open, close):action>")
def open_or_close(slug: str, action: str) -> View:
    round_ = round_or_404(slug)
    form = FlaskForm()
    if not form.validate():
        abort(400, "The form could not be checked. Nothing was changed.")
    try:
        if action == "open":
            # Reopening a closed round runs for another round length.
            round_.open(
                until=closing_after(utc_now(), current_app.config["ROUND_LENGTH_DAYS"], zone())
            )
        else:
            round_.close()
    except RoundStateError as error:
        flash(str(error))
        return redirect(url_for(".round_page", slug=slug))
    db.session.commit()
    if action == "close":
        ensure_final_release(round_)  # its results are published as it closes
    flash(f"The round is now {round_.state().value}.")
    return redirect(url_for(".round_page", slug=slug))


@blueprint.route("/rounds/<slug>/headcounts", methods=["GET", "POST"])
def headcounts(slug: str) -> View:
    round_ = round_or_404(slug)
    q = questionnaire(round_.questionnaire_version)
    current = {(h.agency_id, h.level_id): h.headcount for h in round_.headcounts}
    errors: dict[str, str] = {}
    values: dict[str, str] = {f"{a}--{lv}": str(n) for (a, lv), n in current.items()}
    if request.method == "POST":
        form = FlaskForm()
        if not form.validate():
            abort(400, "The form could not be checked. Nothing was changed.")
        counts: dict[tuple[str, str], int] = {}
        for agency in round_.agencies:
            for level in q.levels:
                key = f"{agency.agency_id}--{level.id}"
                raw = request.form.get(key, "").strip()
                values[key] = raw
                if not raw:
                    continue
                # isdigit() alone takes '²' and other digits int() refuses; the length check
                # comes before int(), which refuses 5,000 digits with an error of its own.
                if not (raw.isascii() and raw.isdigit()):
                    errors[key] = f"{agency.name}, {level.name}: enter a whole number, like 45"
                    continue
                if len(raw.lstrip("0")) > len(str(MAX_HEADCOUNT)) or int(raw) > MAX_HEADCOUNT:
                    errors[key] = (
                        f"{agency.name}, {level.name}: enter a number of staff no more than "
                        f"{MAX_HEADCOUNT:,}"
                    )
                    continue
                counts[(agency.agency_id, level.id)] = int(raw)
        if not errors:
            set_headcounts(round_, q, counts)
            flash("Headcounts saved. Response rates now use them.")
            return redirect(url_for(".round_page", slug=slug))
    return render_template(
        "manage/headcounts.html",
        round=round_,
        levels=q.levels,
        values=values,
        errors=errors,
        form=FlaskForm(),
    )


def round_links(round_: Round) -> list[dict[str, Any]]:
    base = public_base()
    everyone = f"{base}{url_for('respond.start', token=round_.public_token)}"
    links = [{"agency": None, "name": "Everyone", "url": everyone}]
    links += [
        {
            "agency": agency.agency_id,
            "name": agency.name,
            "url": base
            + url_for("respond.agency_link", token=round_.public_token, agency_id=agency.agency_id),
        }
        for agency in round_.agencies
    ]
    return links


@blueprint.get("/rounds/<slug>/links")
def links(slug: str) -> View:
    round_ = round_or_404(slug)
    entries = round_links(round_)
    for entry in entries:
        entry["qr"] = qr_svg(entry["url"], f"QR code for {entry['name']}")
    return render_template("manage/links.html", round=round_, links=entries)


@blueprint.get("/rounds/<slug>/poster/<agency_id>")
def poster(slug: str, agency_id: str) -> View:
    round_ = round_or_404(slug)
    entry = next((e for e in round_links(round_) if (e["agency"] or "everyone") == agency_id), None)
    if entry is None:
        abort(404, "There is no such agency in this round.")
    entry["qr"] = qr_svg(entry["url"], f"QR code for {entry['name']}")
    return render_template("manage/poster.html", round=round_, link=entry)


# --- accounts -------------------------------------------------------------------------------


@blueprint.get("/users")
def users() -> View:
    people = db.session.scalars(select(User).order_by(User.active.desc(), User.email)).all()
    return render_template("manage/users.html", people=people, form=FlaskForm())


@blueprint.route("/users/new", methods=["GET", "POST"])
def new_user() -> View:
    q = current_questionnaire()
    form = NewUserForm()
    form.role.choices = choices((role.value, role.label) for role in Role)
    form.agency.choices = choices(
        [("", "Not an agency lead")] + [(a.id, a.name) for a in q.agencies]
    )
    if form.validate_on_submit():
        try:
            user = create_user(
                form.email.data or "",
                form.name.data or "",
                Role(form.role.data),
                form.password.data or "",
                form.agency.data or None,
                frozenset(a.id for a in q.agencies),
            )
        except AccountError as error:
            message = str(error)
            target = (
                form.password
                if "password" in message
                else form.agency
                if "agency" in message
                else form.email
            )
            target.errors = [message]
        else:
            flash(f"Account created for {user.email}.")
            return redirect(url_for(".users"))
    return render_template("manage/user_form.html", form=form)


@blueprint.post("/users/<int:user_id>/<any(deactivate, activate):action>")
def set_active(user_id: int, action: str) -> View:
    form = FlaskForm()
    if not form.validate():
        abort(400, "The form could not be checked. Nothing was changed.")
    user = db.session.get(User, user_id)
    if user is None:
        abort(404, "There is no such account.")
    me = signed_in_user()
    if me is not None and me.id == user.id:
        flash("You cannot deactivate your own account.")
        return redirect(url_for(".users"))
    user.active = action == "activate"
    db.session.commit()
    flash(f"{user.email} is now {'active' if user.active else 'deactivated'}.")
    return redirect(url_for(".users"))
