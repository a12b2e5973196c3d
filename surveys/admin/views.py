"""Administrators run the service: rounds (dates, agencies, headcounts, links) and accounts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.wrappers.response import Response

from ..audit import AuditEvent, Download, record
from ..auth.access import ADMINS, roles_required, signed_in_user
from ..auth.forms import NewUserForm, ResetPasswordForm
from ..auth.models import Role, User
from ..auth.service import AccountError, create_user, reset_password, set_active_state
from ..database import db
from ..library import current_questionnaire, questionnaire
from ..links import public_base, qr_svg, shown_address
from ..questionnaire import Questionnaire
from ..refusals import show_at_question
from ..releases.service import (
    ReleaseRefused,
    ensure_final_release,
    latest_release,
    publish_release,
    releases_of,
)
from ..responses.counts import answered_in
from ..responses.models import Submission
from ..rounds import short_codes
from ..rounds.calendar import closing_after, end_of_day, local_date, start_of_day
from ..rounds.models import Round, RoundStateError, utc_now
from ..rounds.pages import round_or_404
from ..rounds.service import (
    MAX_HEADCOUNT,
    RoundError,
    RoundSpec,
    create_round,
    set_headcounts,
    slugify,
    update_round,
)
from ..rounds.short_codes import EVERYONE
from ..widgets import choices
from .forms import new_round_form, round_form

blueprint = Blueprint("manage", __name__, url_prefix="/manage")

View = str | Response


@blueprint.before_request
@roles_required(ADMINS)
def admins_only() -> None:
    """Every page here is for administrators."""


# A round's dates are asked as its first and last days.
ROUND_QUESTIONS = {"dates": "closes"}


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
    library: dict[str, Questionnaire] = current_app.extensions["questionnaires"]
    today = local_date(utc_now(), zone())
    form = new_round_form(
        library,
        q,
        data={"agencies": [a.id for a in q.agencies], "opens": today, "version": q.version},
    )
    if form.validate_on_submit():
        asked = library[form.version.data or q.version]
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
            round_ = create_round(spec, asked, current_app.config["ROUND_LENGTH_DAYS"], zone())
        except RoundError as error:
            show_at_question(form, error, "name", ROUND_QUESTIONS)
        else:
            record(
                "round created",
                target=round_.slug,
                detail=f"{spec.opens_at:%Y-%m-%d} to {spec.closes_at:%Y-%m-%d}, "
                f"agencies: {', '.join(spec.agency_ids or [])}, "
                f"localities: {len([loc for loc in spec.localities if loc.strip()])}, "
                f"questionnaire: {asked.version}",
            )
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
        record("release refused", target=round_.slug, detail=str(refusal))
        flash(str(refusal), "error")
        return redirect(url_for(".round_page", slug=slug))
    record("release published", target=round_.slug, detail=f"release {published.number}")
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
                answered_in(round_),
            )
        except RoundError as error:
            db.session.rollback()
            show_at_question(form, error, "name", ROUND_QUESTIONS)
        else:
            record(
                "round edited",
                target=round_.slug,
                detail=f"{local_date(round_.opens_at, zone())} to "
                f"{local_date(round_.closes_at, zone())}, "
                f"agencies: {', '.join(a.agency_id for a in round_.agencies)}, "
                f"localities: {len(round_.localities)}",
            )
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
    record(f"round {'opened' if action == 'open' else 'closed'}", target=round_.slug)
    if action == "close":
        before = latest_release(round_)
        final = ensure_final_release(round_)  # its results are published as it closes
        if final is not None and (before is None or final.id != before.id):
            record("release published", target=round_.slug, detail=f"release {final.number}, final")
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
            record(
                "headcounts changed",
                target=round_.slug,
                detail=f"{len(counts)} headcounts, {sum(counts.values())} people",
            )
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
    """Each survey link of the round: its long address, and its short code and address,
    which the poster and its QR code carry (easier to type, and a simpler code to scan)."""
    base = public_base()
    codes = short_codes.codes_for(round_)
    everyone = f"{base}{url_for('respond.start', token=round_.public_token)}"
    links = [{"agency": None, "name": "Everyone", "url": everyone, "code": codes[EVERYONE]}]
    links += [
        {
            "agency": agency.agency_id,
            "name": agency.name,
            "url": base
            + url_for("respond.agency_link", token=round_.public_token, agency_id=agency.agency_id),
            "code": codes[agency.agency_id],
        }
        for agency in round_.agencies
    ]
    for link in links:
        link["short_url"] = base + url_for("survey_code.short_address", code=link["code"])
        link["code_page"] = shown_address(base + url_for("survey_code.enter_code"))
    return links


@blueprint.get("/rounds/<slug>/links")
def links(slug: str) -> View:
    round_ = round_or_404(slug)
    entries = round_links(round_)
    for entry in entries:
        entry["qr"] = qr_svg(entry["short_url"], f"QR code for {entry['name']}")
    return render_template("manage/links.html", round=round_, links=entries)


@blueprint.get("/rounds/<slug>/poster/<agency_id>")
def poster(slug: str, agency_id: str) -> View:
    round_ = round_or_404(slug)
    entry = next((e for e in round_links(round_) if (e["agency"] or "everyone") == agency_id), None)
    if entry is None:
        abort(404, "There is no such agency in this round.")
    entry["qr"] = qr_svg(entry["short_url"], f"QR code for {entry['name']}")
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
            show_at_question(form, error, "email")
        else:
            record("account created", target=user.email, detail=user.role_enum.label)
            flash(f"Account created for {user.email}.")
            return redirect(url_for(".users"))
    return render_template("manage/user_form.html", form=form)


def user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404, "There is no such account.")
    return user


@blueprint.post("/users/<int:user_id>/<any(deactivate, activate):action>")
def set_active(user_id: int, action: str) -> View:
    form = FlaskForm()
    if not form.validate():
        abort(400, "The form could not be checked. Nothing was changed.")
    user = user_or_404(user_id)
    me = signed_in_user()
    if me is not None and me.id == user.id:
        flash("You cannot deactivate your own account.")
        return redirect(url_for(".users"))
    set_active_state(user, action == "activate")  # deactivating ends every session
    record(f"account {'reactivated' if user.active else 'deactivated'}", target=user.email)
    flash(f"{user.email} is now {'active' if user.active else 'deactivated'}.")
    return redirect(url_for(".users"))


@blueprint.route("/users/<int:user_id>/password", methods=["GET", "POST"])
def reset_user_password(user_id: int) -> View:
    """A forgotten or leaked password: the administrator sets a new one, which ends every
    session of the account and lifts any sign-in wait on it."""
    user = user_or_404(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            reset_password(user, form.new.data or "")
        except AccountError as error:
            form.new.errors = [str(error)]
        else:
            record("password reset", target=user.email)
            flash(
                f"{user.email} has a new password and has been signed out everywhere. "
                "Give it to them in person or by phone, and ask them to change it."
            )
            return redirect(url_for(".users"))
    return render_template("manage/reset_password.html", form=form, person=user)


# --- the audit log --------------------------------------------------------------------------

AUDIT_PAGE_SIZE = 50


@blueprint.get("/audit")
def audit_log() -> View:
    page = request.args.get("page", "1")
    number = int(page) if page.isdigit() and 0 < len(page) < 7 else 1
    total = db.session.scalar(select(func.count(AuditEvent.id))) or 0
    pages = max(1, -(-total // AUDIT_PAGE_SIZE))
    number = min(max(number, 1), pages)
    events = db.session.scalars(
        select(AuditEvent)
        .order_by(AuditEvent.id.desc())
        .offset((number - 1) * AUDIT_PAGE_SIZE)
        .limit(AUDIT_PAGE_SIZE)
    ).all()
    return render_template(
        "manage/audit.html", events=events, page=number, pages=pages, total=total
    )


@blueprint.get("/audit.csv")
def audit_csv() -> Response:
    from ..spreadsheets import csv_text

    rows = [
        [
            event.at.isoformat(timespec="seconds"),
            event.actor,
            event.action,
            event.target,
            event.detail,
        ]
        for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
    ]
    text = csv_text([["when_utc", "who", "action", "target", "detail"], *rows])
    record("audit log exported", detail="CSV")
    return Response(
        text.encode("utf-8-sig"),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="boundary-audit-log.csv"'},
    )
