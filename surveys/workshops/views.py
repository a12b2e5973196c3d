"""Workshop pages: the facilitator's console and projector, and the participants' phones.

Live screens poll a small HTML fragment every 1.5 seconds with a conditional GET: the
session's version is its ETag, so an unchanged room costs one indexed query and a 304, and
no screen ties up a worker while it watches (docs/workshops.md).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers.response import Response as WerkzeugResponse

from ..analysis.cache import round_analysis
from ..auth.access import FACILITATORS, roles_required, signed_in_user
from ..database import db
from ..library import current_questionnaire, questionnaire
from ..links import public_base, qr_svg, shown_address
from ..questionnaire import Questionnaire
from ..reporting.documents import workshop_report
from ..responses.answers import DONT_KNOW
from ..rounds.models import Round
from ..rounds.service import find_round
from . import service
from .forms import JoinForm, about_form, action_form, answers_form, new_session_form
from .models import ActionStatus, Mode, SessionState, WorkshopAction, WorkshopSession
from .presentation import RoomView
from .room import RoomCache, RoomFigures

facilitate = Blueprint("workshops", __name__, url_prefix="/workshops")
join = Blueprint("join", __name__)

View = str | WerkzeugResponse | tuple[str, int]
POLL_SECONDS = 1.5


def room_figures(workshop: WorkshopSession) -> RoomFigures:
    cache: RoomCache = current_app.extensions.setdefault("room_cache", RoomCache())
    return cache.get(
        workshop, questionnaire(workshop.questionnaire_version), current_app.config["MIN_CELL_SIZE"]
    )


def short_url(workshop: WorkshopSession) -> str:
    return f"{public_base()}/w/{workshop.join_code}"


# --- facilitators ---------------------------------------------------------------------------


@facilitate.before_request
@roles_required(FACILITATORS)
def facilitators_only() -> None:
    """Every page here is for facilitators (and administrators)."""


def workshop_or_404(workshop_id: int) -> WorkshopSession:
    workshop = db.session.get(WorkshopSession, workshop_id)
    if workshop is None:
        abort(404, "There is no workshop at this address.")
    return workshop


@facilitate.get("")
def sessions() -> View:
    workshops = db.session.scalars(
        select(WorkshopSession).order_by(WorkshopSession.held_on.desc(), WorkshopSession.id.desc())
    ).all()
    return render_template("workshops/sessions.html", workshops=workshops)


@facilitate.route("/new", methods=["GET", "POST"])
def new_session() -> View:
    q = current_questionnaire()
    rounds = db.session.scalars(select(Round).order_by(Round.opens_at.desc())).all()
    form = new_session_form(q, rounds)
    if form.validate_on_submit():
        linked = find_round(form.round.data) if form.round.data else None
        user = signed_in_user()
        try:
            workshop = service.create_session(
                service.SessionSpec(
                    title=form.title.data or "",
                    held_on=form.held_on.data,
                    feature_ids=list(form.features.data or []),
                    mode=Mode(form.mode.data),
                    round=linked,
                    counts_towards_round=bool(form.counts.data),
                ),
                questionnaire(linked.questionnaire_version) if linked else q,
                user.id if user else None,
            )
        except service.WorkshopError as error:
            target = form.counts if "count" in str(error) else form.title
            target.errors = [str(error)]
        else:
            return redirect(url_for(".console", workshop_id=workshop.id))
    return render_template("workshops/new.html", form=form)


def room_view(workshop: WorkshopSession) -> RoomView:
    """The room's figures, beside the linked round's published results if there is one."""
    survey = round_analysis(workshop.round) if workshop.round is not None else None
    return RoomView(
        workshop, questionnaire(workshop.questionnaire_version), room_figures(workshop), survey
    )


def screen_context(workshop: WorkshopSession) -> dict[str, Any]:
    view = room_view(workshop)
    q = view.questionnaire
    focus = q.feature(workshop.focus_feature or "") or view.features[0]
    current_item = q.item(workshop.revote_item or focus.headline_item)
    return {
        "workshop": workshop,
        "questionnaire": q,
        "room": view,
        "figures": view.figures,
        "focus": focus,
        "current_item": current_item,
        "short_url": short_url(workshop),
        "room_address": shown_address(short_url(workshop)),
        "join_address": shown_address(f"{public_base()}/join"),
        "poll_seconds": POLL_SECONDS,
        "live_tag": screen_tag(workshop),
    }


def screen_tag(workshop: WorkshopSession) -> str:
    """Changes whenever anything a screen shows changes: the room, the rule, the survey."""
    survey = workshop.round.data_version if workshop.round is not None else 0
    k = current_app.config["MIN_CELL_SIZE"]
    return f'"{workshop.id}-{workshop.version}-{k}-{survey}"'


@facilitate.get("/<int:workshop_id>")
def console(workshop_id: int) -> View:
    workshop = workshop_or_404(workshop_id)
    q = questionnaire(workshop.questionnaire_version)
    return render_template(
        "workshops/console.html",
        **screen_context(workshop),
        statements=service.statements(workshop, q),
        form=FlaskForm(),
        actions=action_form(q, workshop.feature_ids),
        agreed={a.feature_id: a.level_id for a in workshop.agreed_levels},
        statuses=list(ActionStatus),
        agency_names={a.id: a.name for a in q.agencies},
    )


@facilitate.get("/<int:workshop_id>/projector")
def projector(workshop_id: int) -> View:
    workshop = workshop_or_404(workshop_id)
    return render_template(
        "workshops/projector.html",
        **screen_context(workshop),
        qr=qr_svg(short_url(workshop), f"QR code to join: {short_url(workshop)}"),
    )


@facilitate.get("/<int:workshop_id>/live/<any(console, projector):screen>")
def live(workshop_id: int, screen: str) -> Response | WerkzeugResponse:
    """The changing part of a screen; 304 when nothing changed since the screen's copy."""
    workshop = workshop_or_404(workshop_id)
    tag = screen_tag(workshop)
    if request.headers.get("If-None-Match") == tag:
        return Response(status=304, headers={"ETag": tag})
    context = screen_context(workshop)
    if screen == "projector":
        context["qr"] = qr_svg(short_url(workshop), f"QR code to join: {short_url(workshop)}")
    body = render_template(f"workshops/_{screen}_live.html", **context)
    return Response(body, headers={"ETag": tag})


def moved(workshop: WorkshopSession) -> WerkzeugResponse:
    return redirect(url_for(".console", workshop_id=workshop.id))


@facilitate.post("/<int:workshop_id>/<move>")
def move(workshop_id: int, move: str) -> View:
    workshop = workshop_or_404(workshop_id)
    form = FlaskForm()
    if not form.validate():
        abort(400, "The form could not be checked. Nothing was changed.")
    q = questionnaire(workshop.questionnaire_version)
    moves = {
        "open": lambda: service.open_answering(workshop),
        "close": lambda: service.close_answering(workshop),
        "reveal": lambda: service.reveal(workshop, True),
        "hide": lambda: service.reveal(workshop, False),
        "focus": lambda: service.focus(workshop, request.form.get("feature", "")),
        "revote": lambda: service.start_revote(workshop, request.form.get("item", ""), q),
        "stop-revote": lambda: service.stop_revote(workshop),
        "agree": lambda: service.agree_level(
            workshop, request.form.get("feature", ""), request.form.get("level", ""), q
        ),
        "end": lambda: service.end(workshop),
    }
    if move == "action":
        actions = action_form(q, workshop.feature_ids)
        if not actions.validate():
            for errors in actions.errors.values():
                flash(errors[0])
            return moved(workshop)
        try:
            service.add_action(
                workshop,
                actions.text.data or "",
                actions.feature.data,
                actions.owner.data,
                actions.due.data,
            )
        except service.WorkshopError as error:
            flash(str(error))
        return moved(workshop)
    if move not in moves:
        abort(404, "There is no such step.")
    try:
        moves[move]()
    except service.WorkshopError as error:
        flash(str(error))
    return moved(workshop)


@facilitate.post("/actions/<int:action_id>/status")
def action_status(action_id: int) -> View:
    form = FlaskForm()
    if not form.validate():
        abort(400, "The form could not be checked. Nothing was changed.")
    action = db.session.get(WorkshopAction, action_id)
    if action is None:
        abort(404, "There is no such action.")
    try:
        status = ActionStatus(request.form.get("status", ""))
    except ValueError:
        abort(400, "That is not a status an action can have.")
    service.set_action_status(action, status)
    return redirect(request.referrer or url_for(".console", workshop_id=action.session_id))


@facilitate.get("/<int:workshop_id>/actions.csv")
def actions_csv(workshop_id: int) -> Response:
    workshop = workshop_or_404(workshop_id)
    q = questionnaire(workshop.questionnaire_version)
    features = {f.id: f.name for f in q.features}
    agencies = {a.id: a.name for a in q.agencies}
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow(
        ["workshop", "held_on", "action", "feature", "owner_agency", "due_on", "status"]
    )
    for action in workshop.actions:
        writer.writerow(
            [
                workshop.title,
                workshop.held_on.isoformat(),
                action.text,
                features.get(action.feature_id or "", ""),
                agencies.get(action.owner_agency or "", ""),
                action.due_on.isoformat() if action.due_on else "",
                action.status,
            ]
        )
    return Response(
        output.getvalue().encode("utf-8-sig"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="workshop-{workshop.id}-actions.csv"'
        },
    )


@facilitate.get("/<int:workshop_id>/report.pdf")
def report(workshop_id: int) -> Response:
    workshop = workshop_or_404(workshop_id)
    return Response(
        workshop_report(room_view(workshop)),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="workshop-{workshop.id}.pdf"'},
    )


# --- participants ----------------------------------------------------------------------------


def participant_state(workshop: WorkshopSession) -> dict[str, Any]:
    state: dict[str, Any] = session.get("workshops", {}).get(str(workshop.id), {})
    return dict(state)


def keep_participant_state(workshop: WorkshopSession, state: dict[str, Any]) -> None:
    rooms = dict(session.get("workshops", {}))
    rooms[str(workshop.id)] = state
    session["workshops"] = rooms


@join.route("/join", methods=["GET", "POST"])
def enter_code() -> View:
    form = JoinForm()
    if form.validate_on_submit():
        workshop = service.find_by_code(form.code.data or "")
        if workshop is None:
            form.code.errors = ["There is no workshop with this code. Check the code on the screen"]
        else:
            return redirect(url_for(".room", code=workshop.join_code))
    return render_template("workshops/join.html", form=form)


def workshop_for_code(code: str) -> WorkshopSession:
    workshop = service.find_by_code(code)
    if workshop is None:
        abort(404, "There is no workshop with this code. Check the code on the screen.")
    return workshop


def agencies_for(workshop: WorkshopSession, q: Questionnaire) -> list[tuple[str, str]]:
    if workshop.round is not None:
        return [(a.agency_id, a.name) for a in workshop.round.agencies]
    return [(a.id, a.name) for a in q.agencies]


@join.route("/w/<code>", methods=["GET", "POST"])
def room(code: str) -> View:
    workshop = workshop_for_code(code)
    if workshop.join_code != code:  # typed in lower case or with spaces
        return redirect(url_for(".room", code=workshop.join_code))
    q = questionnaire(workshop.questionnaire_version)
    state = participant_state(workshop)
    if workshop.state is SessionState.ENDED:
        return render_template("workshops/participant.html", workshop=workshop, page="ended"), 410
    if "agency" not in state:
        form = about_form(q, agencies_for(workshop, q))
        form.round.data = workshop.join_code
        if request.method == "POST":
            problem = form.tampering(request.form, workshop.join_code)
            if problem:
                abort(400, problem)
            if form.validate():
                keep_participant_state(
                    workshop, {"agency": form["agency"].data, "level": form["level"].data}
                )
                return redirect(url_for(".room", code=workshop.join_code))
        level_hints = [{"hint": {"text": level.hint}} for level in q.levels]
        return render_template(
            "workshops/participant.html",
            workshop=workshop,
            page="about",
            form=form,
            level_hints=level_hints,
        )
    if request.method == "POST":
        return cast(workshop, q, state)
    return participant_page(workshop, q, state)


def due_statements(
    workshop: WorkshopSession, q: Questionnaire, state: dict[str, Any]
) -> tuple[int, list[Any]]:
    """What this participant should answer now: (vote, statements), or (0, []) for nothing."""
    if not workshop.answering:
        return 0, []
    again = workshop.revote_item
    if again and state.get("voted") and again not in state.get("revoted", []):
        item = q.item(again)
        return 2, [item] if item else []
    if not state.get("voted"):
        return 1, service.statements(workshop, q)
    return 0, []


def participant_page(
    workshop: WorkshopSession,
    q: Questionnaire,
    state: dict[str, Any],
    form: Any = None,
    status: int = 200,
) -> View:
    vote, items = due_statements(workshop, q, state)
    if not items:
        page = "thanks" if state.get("voted") else "waiting"
        return render_template("workshops/participant.html", workshop=workshop, page=page), status
    if form is None:
        form = answers_form(q, items)
        form.ballot.data = service.issue_ballot(workshop)
    form.round.data = workshop.join_code
    return render_template(
        "workshops/participant.html",
        workshop=workshop,
        page="answer",
        form=form,
        vote=vote,
        items=items,
    ), status


def cast(workshop: WorkshopSession, q: Questionnaire, state: dict[str, Any]) -> View:
    if not workshop.answering:
        # Answers sent after the facilitator closed answering are not taken.
        return render_template("workshops/participant.html", workshop=workshop, page="closed"), 403
    vote, items = due_statements(workshop, q, state)
    if not items:
        return redirect(url_for(".room", code=workshop.join_code))
    form = answers_form(q, items)
    problem = form.tampering(request.form, workshop.join_code)
    if problem:
        abort(400, problem)
    if not form.validate():
        return participant_page(workshop, q, state, form=form)
    answers = {
        item.id: None if form[item.id].data == DONT_KNOW else int(form[item.id].data)
        for item in items
    }
    service.cast(
        workshop, q, form.ballot.data or "", state["agency"], state["level"], answers, vote
    )
    # Stored now or earlier (a double tap): either way this phone has answered.
    if vote == 1:
        state["voted"] = True
    else:
        state["revoted"] = [*state.get("revoted", []), workshop.revote_item]
    keep_participant_state(workshop, state)
    return redirect(url_for(".room", code=workshop.join_code))
