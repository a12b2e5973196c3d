"""Workshop pages: the facilitator's console and projector, and the participants' phones.

Live screens poll a small HTML fragment every 1.5 seconds with a conditional GET: the
session's version is its ETag, so an unchanged room costs one indexed query and a 304, and
no screen ties up a worker while it watches (docs/workshops.md).
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import or_, select
from werkzeug.wrappers.response import Response as WerkzeugResponse

from .. import limits
from ..audit import record, record_download
from ..auth.access import FACILITATORS, roles_required, signed_in_user
from ..auth.models import Role, User
from ..database import db
from ..languages import gettext as _
from ..library import current_questionnaire, questionnaire
from ..links import public_base, qr_svg, shown_address
from ..questionnaire import Questionnaire
from ..refusals import show_at_question
from ..reporting import stored
from ..reporting.models import ReportState
from ..responses.answers import statement_value
from ..rounds.models import Round
from ..rounds.service import find_round
from ..spreadsheets import csv_text
from ..stuffing import service as stuffing
from . import report as stored_report
from . import room, service
from . import stuffing as room_watch
from .forms import ActionForm, JoinForm, about_form, action_form, answers_form, new_session_form
from .models import ActionStatus, Mode, SessionState, WorkshopAction, WorkshopSession
from .report import min_cell_size, room_view, survey_release

facilitate = Blueprint("workshops", __name__, url_prefix="/workshops")
join = Blueprint("join", __name__)

View = str | WerkzeugResponse | tuple[str, int]
POLL_SECONDS = 1.5  # the console and projector: a new answer shows within 2 s
STATUS_POLL_SECONDS = 5  # a waiting phone: hundreds of them, and nothing there is urgent
REFRESH_SECONDS = 3  # the report's page, while the report is being prepared


def short_url(workshop: WorkshopSession) -> str:
    return f"{public_base()}/w/{workshop.join_code}"


def not_modified(tag: str) -> bool:
    """Whether the screen already shows this version (weak comparison: a proxy that
    compresses responses may mark the tag weak)."""
    return request.if_none_match.contains_weak(tag)


def live_response(tag: str, body: str) -> Response:
    response = Response(body)
    response.set_etag(tag)
    return response


# --- facilitators ---------------------------------------------------------------------------


@facilitate.before_request
@roles_required(FACILITATORS)
def facilitators_only() -> None:
    """Every page here is for facilitators (and administrators)."""


def may_run(user: User, workshop: WorkshopSession) -> bool:
    """A facilitator runs the workshops they set up; an administrator runs any. The demo's
    workshop (on the demo round, made-up answers) is every facilitator's to try. Any other
    workshop without an owner (set up from the command line, or its facilitator's account
    removed) is run by administrators only."""
    return (
        user.role_enum is Role.ADMIN
        or (workshop.facilitator_id is not None and workshop.facilitator_id == user.id)
        or (workshop.round is not None and workshop.round.is_demo)
    )


def workshop_or_404(workshop_id: int) -> WorkshopSession:
    """The workshop, if the signed-in person may run it: else 404, or 403 with the reason."""
    workshop = db.session.get(WorkshopSession, workshop_id)
    if workshop is None:
        abort(404, _("There is no workshop at this address."))
    user = signed_in_user()
    if user is None or not may_run(user, workshop):
        abort(
            403,
            _(
                "This workshop was set up by another facilitator. Only they, or an "
                "administrator, can run it, see its screens or download its report."
            ),
        )
    return workshop


@facilitate.get("")
def sessions() -> View:
    user = signed_in_user()
    query = select(WorkshopSession).order_by(
        WorkshopSession.held_on.desc(), WorkshopSession.id.desc()
    )
    if user is None or user.role_enum is not Role.ADMIN:
        demo_rounds = select(Round.id).where(Round.is_demo.is_(True))
        query = query.where(
            or_(
                WorkshopSession.facilitator_id == (user.id if user else None),
                WorkshopSession.round_id.in_(demo_rounds),
            )
        )
    workshops = db.session.scalars(query).all()
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
            show_at_question(form, error, "counts")
        else:
            record(
                "workshop created",
                target=f"workshop {workshop.id}",
                detail=f"round {linked.slug}" if linked else "",
            )
            return redirect(url_for(".console", workshop_id=workshop.id))
    return render_template("workshops/new.html", form=form)


def owner_agencies(workshop: WorkshopSession, q: Questionnaire) -> list[tuple[str, str]]:
    """Agencies that may own an action or answer: the linked round's, or every agency."""
    if workshop.round is not None:
        return [(a.agency_id, a.name) for a in workshop.round.agencies]
    return [(a.id, a.name) for a in q.agencies]


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
    release = survey_release(workshop)
    survey = release.release.id if release else 0
    joined = workshop.phones_joined  # the console shows it
    return f"{workshop.id}-{workshop.version}-{min_cell_size()}-{survey}-{joined}"


def render_console(
    workshop: WorkshopSession, actions: ActionForm | None = None, status: int = 200
) -> tuple[str, int]:
    q = questionnaire(workshop.questionnaire_version)
    agencies = owner_agencies(workshop, q)
    return render_template(
        "workshops/console.html",
        **screen_context(workshop),
        statements=service.statements(workshop, q),
        actions=actions or action_form(q, workshop.feature_ids, agencies),
        agreed={a.feature_id: a.level_id for a in workshop.agreed_levels},
        statuses=list(ActionStatus),
        agency_names=dict(agencies),
        signs=room_watch.room_signs(workshop),
    ), status


@facilitate.get("/<int:workshop_id>")
def console(workshop_id: int) -> View:
    return render_console(workshop_or_404(workshop_id))


@facilitate.get("/<int:workshop_id>/end")
def confirm_end(workshop_id: int) -> View:
    """Ending cannot be undone, and it tells every phone: the console asks first."""
    workshop = workshop_or_404(workshop_id)
    if workshop.state is SessionState.ENDED:
        return redirect(url_for(".console", workshop_id=workshop.id))
    return render_template("workshops/end.html", workshop=workshop)


@facilitate.get("/<int:workshop_id>/projector")
def projector(workshop_id: int) -> View:
    workshop = workshop_or_404(workshop_id)
    return render_template(
        "workshops/projector.html",
        **screen_context(workshop),
        qr=qr_svg(
            short_url(workshop), _("QR code to join: %(address)s", address=short_url(workshop))
        ),
    )


@facilitate.get("/<int:workshop_id>/live/<any(console, projector):screen>")
def live(workshop_id: int, screen: str) -> Response | WerkzeugResponse:
    """The changing part of a screen; 304 when nothing changed since the screen's copy."""
    workshop = workshop_or_404(workshop_id)
    tag = screen_tag(workshop)
    if not_modified(tag):
        response = Response(status=304)
        response.set_etag(tag)
        return response
    context = screen_context(workshop)
    if screen == "projector":
        context["qr"] = qr_svg(
            short_url(workshop), _("QR code to join: %(address)s", address=short_url(workshop))
        )
    else:
        context["signs"] = room_watch.room_signs(workshop)
    return live_response(tag, render_template(f"workshops/_{screen}_live.html", **context))


def moved(workshop: WorkshopSession) -> WerkzeugResponse:
    return redirect(url_for(".console", workshop_id=workshop.id))


@facilitate.post("/<int:workshop_id>/<move>")
def move(workshop_id: int, move: str) -> View:
    """A button on the console. CSRF is checked for every POST by the app (CSRFProtect)."""
    workshop = workshop_or_404(workshop_id)
    q = questionnaire(workshop.questionnaire_version)
    if move == "action":
        return capture_action(workshop, q)
    moves = {
        "open": lambda: service.open_answering(workshop),
        "close": lambda: service.close_answering(workshop),
        "reveal": lambda: service.reveal(workshop, True),
        "hide": lambda: service.reveal(workshop, False),
        "focus": lambda: service.focus(workshop, request.form.get("feature", "")),
        "show": lambda: service.show(workshop, request.form.get("screen", "")),
        "revote": lambda: service.start_revote(workshop, request.form.get("item", ""), q),
        "stop-revote": lambda: service.stop_revote(workshop),
        "agree": lambda: service.agree_level(
            workshop, request.form.get("feature", ""), request.form.get("level", ""), q
        ),
        "end": lambda: service.end(workshop),
    }
    if move not in moves:
        abort(404, _("There is no such step."))
    try:
        moves[move]()
    except service.WorkshopError as error:
        flash(str(error))
    else:
        record(f"workshop {move}", target=f"workshop {workshop.id}", detail=_move_detail(move))
    return moved(workshop)


def _move_detail(move: str) -> str:
    """Which feature, statement or level a move was about: ids only, never answers."""
    names = {
        "focus": ("feature",),
        "show": ("screen",),
        "revote": ("item",),
        "agree": ("feature", "level"),
    }
    return ", ".join(f"{name} {request.form.get(name, '')[:80]}" for name in names.get(move, ()))


def capture_action(workshop: WorkshopSession, q: Questionnaire) -> View:
    """An action from the console's form; a mistake is shown at its field, with what was typed."""
    agencies = owner_agencies(workshop, q)
    actions = action_form(q, workshop.feature_ids, agencies)
    if actions.validate():
        try:
            service.add_action(
                workshop,
                actions.text.data or "",
                actions.feature.data,
                actions.owner.data,
                actions.due.data,
                [agency for agency, _name in agencies],
            )
        except service.WorkshopError as error:
            show_at_question(actions, error, "text")
        else:
            record("workshop action added", target=f"workshop {workshop.id}")
            return moved(workshop)
    return render_console(workshop, actions, 400)


@facilitate.post("/actions/<int:action_id>/status")
def action_status(action_id: int) -> View:
    action = db.session.get(WorkshopAction, action_id)
    if action is None:
        abort(404, _("There is no such action."))
    workshop_or_404(action.session_id)  # only whoever may run its workshop
    try:
        status = ActionStatus(request.form.get("status", ""))
    except ValueError:
        abort(400, _("That is not a status an action can have."))
    service.set_action_status(action, status)
    record(
        "workshop action status",
        target=f"workshop {action.session_id}",
        detail=f"action {action.id}: {status.value}",
    )
    return redirect(url_for(".console", workshop_id=action.session_id))


@facilitate.get("/<int:workshop_id>/actions.csv")
def actions_csv(workshop_id: int) -> Response:
    workshop = workshop_or_404(workshop_id)
    q = questionnaire(workshop.questionnaire_version)
    features = {f.id: f.name for f in q.features}
    agencies = dict(owner_agencies(workshop, q))
    header = ["workshop", "held_on", "action", "feature", "owner_agency", "due_on", "status"]
    rows = [
        [
            workshop.title,
            workshop.held_on.isoformat(),
            action.text,
            features.get(action.feature_id or "", ""),
            agencies.get(action.owner_agency or "", action.owner_agency or ""),
            action.due_on.isoformat() if action.due_on else "",
            action.status,
        ]
        for action in workshop.actions
    ]
    record_download(f"workshop actions (CSV): {workshop.title}", workshop.round)
    return Response(
        csv_text([header, *rows]).encode("utf-8-sig"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="workshop-{workshop.id}-actions.csv"'
        },
    )


@facilitate.get("/<int:workshop_id>/report.pdf")
def report(workshop_id: int) -> Response | WerkzeugResponse:
    """The stored report; until it is ready, the page that says how it is coming along."""
    workshop = workshop_or_404(workshop_id)
    found = stored_report.ask_for(workshop)
    if found.state != ReportState.READY:
        return redirect(url_for(".report_page", workshop_id=workshop.id))
    release = survey_release(workshop)
    record_download(
        f"workshop report (PDF): {workshop.title}",
        workshop.round,
        release.release.number if release else None,
    )
    return Response(
        stored.pdf_of(found),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="workshop-{workshop.id}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@facilitate.get("/<int:workshop_id>/report")
def report_page(workshop_id: int) -> tuple[str, int]:
    """The report being prepared (the page looks again every few seconds, by itself), ready
    to download, or failed, with a button to try again."""
    workshop = workshop_or_404(workshop_id)
    found = stored_report.ask_for(workshop)
    page = render_template(
        "workshops/report.html",
        workshop=workshop,
        report=found,
        refresh_seconds=REFRESH_SECONDS,
    )
    # 202 while the job works; 503 once it has failed (the facilitator may try again).
    status = {ReportState.READY: 200, ReportState.FAILED: 503}.get(ReportState(found.state), 202)
    return page, status


@facilitate.post("/<int:workshop_id>/report")
def try_report_again(workshop_id: int) -> WerkzeugResponse:
    workshop = workshop_or_404(workshop_id)
    stored_report.try_again(workshop)
    return redirect(url_for(".report_page", workshop_id=workshop.id))


# --- participants ----------------------------------------------------------------------------
# A phone's agency, level and what it has answered live in its signed session cookie, per
# workshop; nothing in the database links two of its requests.


def participant_state(workshop: WorkshopSession) -> dict[str, Any]:
    state: dict[str, Any] = session.get("workshops", {}).get(str(workshop.id), {})
    return dict(state)


def keep_participant_state(workshop: WorkshopSession, state: dict[str, Any]) -> None:
    rooms = dict(session.get("workshops", {}))
    rooms[str(workshop.id)] = state
    session["workshops"] = rooms


def due_for(workshop: WorkshopSession, q: Questionnaire, state: dict[str, Any]) -> service.Due:
    if "agency" not in state:
        return service.NOTHING_DUE
    return service.due(workshop, q, bool(state.get("voted")), state.get("revoted", []))


@join.route("/join", methods=["GET", "POST"])
def enter_code() -> View:
    form = JoinForm()
    if form.validate_on_submit():
        workshop = service.find_by_code(form.code.data or "")
        if workshop is None:
            form.code.errors = [
                _("There is no workshop with this code. Check the code on the screen")
            ]
        else:
            return redirect(url_for(".room_page", code=workshop.join_code))
    return render_template("workshops/join.html", form=form)


def workshop_for_code(code: str) -> WorkshopSession:
    workshop = service.find_by_code(code)
    if workshop is None:
        abort(404, _("There is no workshop with this code. Check the code on the screen."))
    return workshop


def participant(workshop: WorkshopSession, page: str, status: int = 200, **context: Any) -> View:
    return render_template(
        "workshops/participant.html", workshop=workshop, page=page, **context
    ), status


@join.route("/w/<code>", methods=["GET", "POST"])
def room_page(code: str) -> View:
    workshop = workshop_for_code(code)
    if workshop.join_code != code:  # typed in lower case or with spaces
        return redirect(url_for(".room_page", code=workshop.join_code))
    q = questionnaire(workshop.questionnaire_version)
    state = participant_state(workshop)
    if workshop.state is SessionState.ENDED:
        return participant(workshop, "ended", 410)
    if "agency" not in state:
        return about_page(workshop, q)
    if request.method == "POST":
        return take_answers(workshop, q, state)
    return answer_page(workshop, q, state)


def about_page(workshop: WorkshopSession, q: Questionnaire) -> View:
    form = about_form(q, owner_agencies(workshop, q))
    form.round.data = workshop.join_code
    if request.method == "POST":
        problem = form.tampering(request.form, workshop.join_code)
        if problem:
            abort(400, problem)
        if form.validate():
            state = {"agency": form["agency"].data, "level": form["level"].data}
            keep_participant_state(workshop, state)
            # The phone has joined whatever happens to the count: never an error page for it.
            stuffing.count_after_commit(
                "join-not-counted", lambda: room_watch.phone_joined(workshop)
            )
            return redirect(url_for(".room_page", code=workshop.join_code))
    hints = [{"hint": {"text": level.hint}} for level in q.levels]
    return participant(workshop, "about", form=form, level_hints=hints)


def answer_page(
    workshop: WorkshopSession,
    q: Questionnaire,
    state: dict[str, Any],
    form: Any = None,
    due: service.Due | None = None,
    status: int = 200,
) -> View:
    due = due or due_for(workshop, q, state)
    if not due.items:
        page = "thanks" if state.get("voted") else "waiting"
        return participant(
            workshop,
            page,
            status,
            due_vote=0,
            voted=bool(state.get("voted")),
            status_tag=status_tag(workshop, 0, bool(state.get("voted"))),
            status_poll_seconds=STATUS_POLL_SECONDS,
        )
    if form is None:
        form = answers_form(q, due.items)
        form.ballot.data = service.issue_ballot(workshop)
        form.vote.data = str(due.vote)
        form.asked.data = ",".join(item.id for item in due.items)
    form.round.data = workshop.join_code
    # Several features' statements (a full questionnaire) are grouped under their names.
    features = {item.feature_id for item in due.items}
    headings = {f.id: f.name for f in q.features} if len(features) > 1 else {}
    return participant(
        workshop, "answer", status, form=form, vote=due.vote, items=due.items, headings=headings
    )


def page_asked(workshop: WorkshopSession, q: Questionnaire) -> service.Due:
    """What the page being sent asked (its hidden fields), checked against the workshop."""
    vote = request.form.get("vote", "")
    known = {item.id: item for item in service.statements(workshop, q)}
    asked = [known.get(i) for i in request.form.get("asked", "").split(",")]
    if vote not in ("1", "2") or not asked or any(item is None for item in asked):
        abort(400, _("The form was not sent from this workshop's page. Nothing was saved."))
    return service.Due(int(vote), tuple(item for item in asked if item is not None))


def take_answers(workshop: WorkshopSession, q: Questionnaire, state: dict[str, Any]) -> View:
    asked = page_asked(workshop, q)
    form = answers_form(q, asked.items)
    problem = form.tampering(request.form, workshop.join_code)
    if problem:
        abort(400, problem)
    if not form.validate():
        return answer_page(workshop, q, state, form=form, due=asked)
    values: dict[str, int | None] = {
        item.id: statement_value(form[item.id].data, item.id, q) for item in asked.items
    }
    question = room_watch.question_key(asked.vote, list(values))
    if not room_watch.answer_allowed(workshop, question):
        # One phone with a cleared cookie must not cast a whole room's answers.
        return limits.too_many(limits.WORKSHOP_ANSWERS, 60 * 60)
    sent = service.Answers(
        form.ballot.data or "", state["agency"], state["level"], asked.vote, values
    )
    outcome = service.cast(
        workshop, q, sent, bool(state.get("voted")), state.get("revoted", []), min_cell_size()
    )
    if outcome is service.Cast.STORED:
        room_watch.answer_counted(workshop, question)
    if outcome is service.Cast.CLOSED:
        return participant(workshop, "closed", 409)
    if outcome is service.Cast.MOVED_ON:
        return participant(workshop, "moved-on", 409)
    # Stored now, or already by an earlier send of the same page: this phone has answered.
    if asked.vote == room.FIRST:
        state["voted"] = True
    else:
        state["revoted"] = [*state.get("revoted", []), *(i.id for i in asked.items)]
    keep_participant_state(workshop, state)
    return redirect(url_for(".room_page", code=workshop.join_code))


def status_tag(workshop: WorkshopSession, due_vote: int, voted: bool) -> str:
    """All a waiting phone's status line depends on; not the room's version, which changes
    with every answer and would make every phone fetch it again."""
    revote = workshop.revote_item or ""
    return f"{workshop.id}-{workshop.state.value}-{revote}-{due_vote}-{int(voted)}"


@join.get("/w/<code>/status")
def status(code: str) -> Response | WerkzeugResponse:
    """A waiting phone's status line: is there something to answer now?"""
    workshop = workshop_for_code(code)
    q = questionnaire(workshop.questionnaire_version)
    state = participant_state(workshop)
    due_vote = due_for(workshop, q, state).vote
    tag = status_tag(workshop, due_vote, bool(state.get("voted")))
    if not_modified(tag):
        response = Response(status=304)
        response.set_etag(tag)
        return response
    body = render_template(
        "workshops/_participant_status.html",
        workshop=workshop,
        due_vote=due_vote,
        voted=bool(state.get("voted")),
    )
    return live_response(tag, body)
