"""The respondent's journey: start, about you, one page per feature, partners, check, submit.

Every page works without JavaScript. The browser session holds only the resume code of
the draft being answered (see browser.py); the answers themselves wait on the server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from werkzeug.wrappers.response import Response
from wtforms import StringField
from wtforms.validators import InputRequired

from ..delivery import not_compressed
from ..invitations import views as invitations
from ..invitations.service import InvitationRefused
from ..languages import gettext as _
from ..languages import lazy_gettext
from ..library import questionnaire
from ..questionnaire import Questionnaire
from ..rounds.models import Round, RoundState
from ..stuffing import service as stuffing
from . import browser, service
from .answers import InvalidAnswer, clean_text
from .forms import (
    JourneyForm,
    about_you_form,
    feature_form,
    partner_choice_form,
    partner_rating_form,
)
from .journey import (
    ABOUT_YOU,
    CHECK,
    PARTNERS,
    DraftAnswers,
    answered_sections,
    chosen_partners,
    next_section,
    rating_key,
    section,
    sections,
    statement_numbers,
)
from .models import Draft
from .summary import summary_cards

blueprint = Blueprint("respond", __name__, url_prefix="/r/<token>")

View = str | Response | tuple[str, int]
PARTNER_RATINGS = "partner-ratings"  # the second page of the partners section


@blueprint.url_value_preprocessor
def load_round(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    token = (values or {}).pop("token", "")
    # The draft this browser holds comes with the round (one query, not two); whether the
    # page may use it is still decided by draft_code and the idle limit.
    held = browser.code_held(token)
    round_, draft = service.find_round_and_draft(token, held)
    if round_ is None:
        abort(
            404,
            _(
                "This survey link is not recognised. Check that you copied the whole link, "
                "or ask the person who sent it to you for a new one."
            ),
        )
    g.round = round_
    # Read now, while loaded: every save commits, and a commit expires the round's
    # attributes, so reading them again for the links of a redirect would query it again.
    g.round_token, g.round_id = round_.public_token, round_.id
    g.questionnaire = questionnaire(round_.questionnaire_version)
    g.drafts = {held: draft} if held else {}


def draft_under(code: str) -> Draft | None:
    """The round's draft under `code`: the one read with the round when it is that code,
    else from the database. Read once per request; a save forgets it (`save`)."""
    known: dict[str, Draft | None] = g.setdefault("drafts", {})
    if code not in known:
        known[code] = service.find_draft(current_round(), code)
    return known[code]


@blueprint.url_defaults
def add_token(_endpoint: str, values: dict[str, Any]) -> None:
    if "token" not in values and "round" in g:
        # The invitation pages load their round without the token kept aside.
        values["token"] = g.get("round_token") or g.round.public_token


@blueprint.before_request
def round_must_be_open() -> tuple[str, int] | None:
    state = current_round().state()
    if state is RoundState.OPEN:
        return None
    if state is RoundState.CLOSED:
        # Saved but unsent answers of a closed round will never count: they go now.
        service.forget_unsent_drafts(current_round())
    return render_template("respond/not_open.html", state=state.value), 403


@blueprint.before_request
def invitation_needed() -> Response | None:
    """A round that needs invitation codes asks for one before anything else."""
    return invitations.gate(current_round())


# Pages that must work whatever became of the draft: they never carry on with one.
NOT_HELD_UP_BY_AN_EXPIRED_DRAFT = {"respond.resume", "respond.new_response", "respond.still_here"}


@blueprint.before_request
def draft_left_idle() -> tuple[str, int] | None:
    """The first page after the idle limit says what was cleared, instead of carrying on.

    On a POST, what that page held is not saved either: it would start a new draft that
    looks whole but lacks every earlier section.
    """
    if request.endpoint in NOT_HELD_UP_BY_AN_EXPIRED_DRAFT:
        return None
    code = browser.expire_idle_draft(token())
    if code is None:
        return None
    draft = draft_under(code)
    cleared = answered_sections(current_questionnaire(), dict(draft.answers) if draft else {})
    return render_template(
        "respond/expired.html",
        cleared=cleared,
        sent_a_page=request.method == "POST",
        minutes=browser.IDLE_LIMIT_SECONDS // 60,
        form=FlaskForm(),
    ), 200


@blueprint.context_processor
def journey_context() -> dict[str, Any]:
    if "round" not in g:  # an error page for a link that named no round
        return {}
    return {
        "round": g.round,
        "questionnaire": g.questionnaire,
        # The timeout notice and warning (base.html) show while a draft is held.
        "idle_seconds_left": browser.seconds_left(token()),
        "idle_limit_seconds": browser.IDLE_LIMIT_SECONDS,
        "idle_warning_seconds": browser.WARNING_SECONDS,
    }


def has_draft() -> bool:
    """Only a page sent without a draft starts one; the pages after it are not counted.
    The draft must still exist: a replayed cookie naming a sent or forgotten draft would
    otherwise start a new draft on every request without ever being counted."""
    if "round" not in g:
        return False
    code = browser.draft_code(g.round.public_token)
    return code is not None and draft_under(code) is not None


def current_round() -> Round:
    round_: Round = g.round
    return round_


def current_questionnaire() -> Questionnaire:
    questionnaire_: Questionnaire = g.questionnaire
    return questionnaire_


def token() -> str:
    round_token: str = g.round_token
    return round_token


class AlreadySent(Exception):
    """This browser has sent its answers: the journey's pages lead to the confirmation."""


def current_answers() -> DraftAnswers:
    code = browser.draft_code(token())
    if code is None:
        if browser.has_sent(token()):
            raise AlreadySent
        return {}
    draft = draft_under(code)
    if draft is None:  # sent from another device, or the code is stale
        browser.forget_draft(token())
        return {}
    return dict(draft.answers)


@blueprint.errorhandler(AlreadySent)
def to_confirmation(_error: AlreadySent) -> Response:
    return redirect(url_for(".done"))


def save(answers: DraftAnswers) -> None:
    g.pop("drafts", None)  # what was read is out of date now
    browser.keep_draft(
        token(), service.save_draft(current_round(), browser.draft_code(token()), answers)
    )


# --- pages ---------------------------------------------------------------------------------


@blueprint.get("")
def start() -> View:
    by_code = invitations.code_agency(current_round())
    if by_code is not None:  # a code just entered chooses its agency, as an agency link does
        browser.preselect_agency(token(), by_code)
    agency_id = browser.preselected_agency(token())
    return render_template(
        "respond/start.html",
        agency=current_round().agency(agency_id) if agency_id else None,
        # An invitation code fixes the agency: the about-you page offers no other.
        agency_by_code=by_code is not None,
        in_progress=browser.draft_code(token()) is not None,
        already_sent=browser.has_sent(token()),
        section_count=len(sections(current_questionnaire())),
        form=FlaskForm(),
    )


@blueprint.get("/agency/<agency_id>")
def agency_link(agency_id: str) -> View:
    """A link given to one agency's staff: the agency is chosen for them (they can change it)."""
    if current_round().agency(agency_id) is None:
        abort(404, _("This survey link names an agency that is not taking part in this round."))
    browser.preselect_agency(token(), agency_id)
    return redirect(url_for(".start"))


def reject_tampering(form: JourneyForm) -> None:
    problem = form.tampering(request.form, token())
    if problem:
        abort(400, problem)


def section_page(
    key: str,
    form: JourneyForm,
    answers: DraftAnswers,
    store: Callable[[DraftAnswers, JourneyForm], None],
    template: str,
    next_url: Callable[[DraftAnswers], str] | None = None,
    **context: Any,
) -> View:
    """Show a section, or take its answers: continue to the next page, or save and stop."""
    form.round.data = token()
    if request.method == "POST":
        reject_tampering(form)
        saving = request.form.get("action") == "save"
        valid = form.validate()
        # Saving for later keeps what is there; only answers given but wrong hold it up.
        blocking = {
            name
            for name, field in form._fields.items()
            if field.errors and any(value.strip() for value in field.raw_data or [])
        }
        if valid or (saving and not blocking):
            store(answers, form)
            if saving:
                g.pop("drafts", None)
                code = service.save_draft(current_round(), browser.draft_code(token()), answers)
                browser.saved_for_later(token(), code)
                return redirect(url_for(".saved"))
            save(answers)
            return redirect(next_url(answers) if next_url else after(key, answers))
        if saving:
            for name, field in form._fields.items():
                if name not in blocking:
                    field.errors = []
    this = section(current_questionnaire(), key)
    back = context.pop("back", None) or before(key, answers)
    return render_template(template, form=form, section=this, back=back, **context)


def changing() -> dict[str, Any]:
    """Keep 'we came from the check page' across the pages of one change."""
    return {"change": "1"} if request.args.get("change") else {}


def after(key: str, answers: DraftAnswers) -> str:
    """Where 'Continue' leads: the next section, or back to the check page when changing."""
    q = current_questionnaire()
    if request.args.get("change"):
        # A change can leave another section unanswered (a new agency drops it as a partner).
        upcoming = next_section(q, answers).key
        return url_for(".check") if upcoming == CHECK else section_url(upcoming, answers, True)
    keys = [s.key for s in sections(q)]
    return section_url(keys[keys.index(key) + 1], answers)


def before(key: str, answers: DraftAnswers) -> str:
    if request.args.get("change"):
        return url_for(".check")
    keys = [s.key for s in sections(current_questionnaire())]
    index = keys.index(key)
    return url_for(".start") if index == 0 else section_url(keys[index - 1], answers)


def section_url(key: str, answers: DraftAnswers, change: bool = False) -> str:
    args: dict[str, Any] = {"change": "1"} if change else {}
    if key == ABOUT_YOU:
        return url_for(".about_you", **args)
    if key == PARTNERS:
        # Partners chosen but not all rated: the ratings page is where the work is left.
        ratings = answers.get("ratings", {})
        unrated = any(
            not ratings.get(rating_key(p, q.id))
            for p in chosen_partners(answers)
            for q in current_questionnaire().partners.questions
        )
        return url_for(".partner_ratings" if unrated else ".partners", **args)
    if key == PARTNER_RATINGS:
        return url_for(".partner_ratings", **args)
    if key == CHECK:
        return url_for(".check")
    return url_for(".feature", feature_id=key, **args)


@blueprint.route("/about-you", methods=["GET", "POST"])
def about_you() -> View:
    answers = current_answers()
    about = dict(answers.get("about", {}))
    if not about.get("agency"):
        about["agency"] = browser.preselected_agency(token())
    form = about_you_form(current_round(), current_questionnaire(), data=about)
    invitations.fix_agency(form, current_round())

    def store(answers: DraftAnswers, form: JourneyForm) -> None:
        answers["about"] = form.answers()
        own = answers["about"].get("agency")
        # One's own agency is not a partner: if the agency changed to a chosen partner,
        # that partner and its ratings go, and the person is told.
        if own and own in answers.get("partners", []):
            answers["partners"] = [p for p in answers["partners"] if p != own]
            if not answers["partners"]:
                del answers["partners"]
            agency = current_round().agency(own)
            name = agency.name if agency else own
            flash(
                _(
                    "You now work for %(agency)s, so we removed %(agency)s from the agencies "
                    "you work with, with your answers about it.",
                    agency=name,
                )
            )

    level_hints = [{"hint": {"text": level.hint}} for level in current_questionnaire().levels]
    return section_page(
        ABOUT_YOU, form, answers, store, "respond/about_you.html", level_hints=level_hints
    )


@blueprint.route("/section/<feature_id>", methods=["GET", "POST"])
def feature(feature_id: str) -> View:
    this = current_questionnaire().feature(feature_id)
    if this is None:
        abort(404, _("There is no section of the questionnaire at this address."))
    answers = current_answers()
    items = answers.get("items", {})
    data = {item.id: items.get(item.id) for item in this.items}
    data["comment"] = answers.get("comments", {}).get(feature_id, "")
    form = feature_form(this, current_questionnaire(), data=data)

    def store(answers: DraftAnswers, form: JourneyForm) -> None:
        given = form.answers(item.id for item in this.items)
        answers["items"] = {**answers.get("items", {}), **{k: v for k, v in given.items() if v}}
        comments = dict(answers.get("comments", {}))
        comments[feature_id] = clean_text(form["comment"].data or "")
        answers["comments"] = comments

    numbers = statement_numbers(current_questionnaire())
    return section_page(
        feature_id,
        form,
        answers,
        store,
        "respond/feature.html",
        feature=this,
        numbers=numbers,
        statement_total=len(numbers),
    )


@blueprint.route("/partners", methods=["GET", "POST"])
def partners() -> View:
    answers = current_answers()
    own = answers.get("about", {}).get("agency")
    if not own:
        return redirect(url_for(".about_you"))
    form = partner_choice_form(
        current_round(), current_questionnaire(), own, data={"partners": answers.get("partners")}
    )

    def store(answers: DraftAnswers, form: JourneyForm) -> None:
        chosen = list(form["partners"].data or [])
        answers["partners"] = chosen
        # Ratings of agencies no longer chosen are not kept.
        keep = {
            rating_key(p, q.id) for p in chosen for q in current_questionnaire().partners.questions
        }
        answers["ratings"] = {k: v for k, v in answers.get("ratings", {}).items() if k in keep}

    def next_url(answers: DraftAnswers) -> str:
        # The chosen agencies are rated on a page of their own, so it works without JavaScript.
        if chosen_partners(answers):
            return url_for(".partner_ratings", **changing())
        return after(PARTNERS, answers)

    return section_page(PARTNERS, form, answers, store, "respond/partners.html", next_url=next_url)


@blueprint.route("/partners/ratings", methods=["GET", "POST"])
def partner_ratings() -> View:
    answers = current_answers()
    partners = chosen_partners(answers)
    if not partners:
        return redirect(url_for(".partners", **changing()))
    ratings = answers.get("ratings", {})
    form = partner_rating_form(current_round(), current_questionnaire(), partners, data=ratings)

    def store(answers: DraftAnswers, form: JourneyForm) -> None:
        answers["ratings"] = {
            **answers.get("ratings", {}),
            **{k: v for k, v in form.answers().items() if v},
        }

    return section_page(
        PARTNERS,
        form,
        answers,
        store,
        "respond/partner_ratings.html",
        next_url=lambda answers: after(PARTNERS, answers),
        back=url_for(".partners", **changing()),
        partners=[current_round().agency(p) for p in partners],
    )


class SubmitForm(JourneyForm):
    """The check page's form: nothing but the round and the CSRF token."""


@blueprint.get("/check")
def check() -> View:
    answers = current_answers()
    upcoming = next_section(current_questionnaire(), answers)
    if upcoming.key != CHECK:
        return redirect(section_url(upcoming.key, answers))
    form = SubmitForm()
    form.round.data = token()
    cards = summary_cards(current_round(), current_questionnaire(), answers)
    changes = {card.change: section_url(card.change, answers, change=True) for card in cards}
    last = PARTNER_RATINGS if chosen_partners(answers) else PARTNERS
    return render_template(
        "respond/check.html",
        form=form,
        section=upcoming,
        cards=cards,
        changes=changes,
        back=section_url(last, answers),
    )


@blueprint.post("/submit")
def submit() -> View:
    form = SubmitForm()
    reject_tampering(form)
    code = browser.draft_code(token())
    if code is None:
        if browser.has_sent(token()):
            return redirect(url_for(".done"))
        return render_template("respond/nothing_to_send.html"), 200
    answers = current_answers()  # read once: the send reads the draft again as it deletes it
    upcoming = next_section(current_questionnaire(), answers)
    if upcoming.key != CHECK:
        return redirect(section_url(upcoming.key, answers))
    try:
        result = service.submit_draft(
            current_round(), current_questionnaire(), code, invitations.held_code(token())
        )
    except InvalidAnswer as problem:
        # The round changed since these answers were given (an agency was removed).
        abort(
            400,
            _(
                "Some answers no longer fit this survey: %(problem)s. Nothing was sent.",
                problem=str(problem),
            ),
        )
    except InvitationRefused:
        # Spent by another send meanwhile: the answers are kept, and another code sends them.
        invitations.forget(token())
        return redirect(url_for("invitation.enter_code", spent=1))
    if result is service.SubmitResult.SUBMITTED:
        browser.mark_sent(token())
        invitations.forget(token())
        # Only a count for the ten minutes it arrived in, after the answers are committed,
        # kept in the limiter's storage for a day at most; it can never fail the send.
        round_id: int = g.round_id
        stuffing.count_after_commit("arrival-not-counted", lambda: stuffing.count_arrival(round_id))
        return redirect(url_for(".done"))
    browser.forget_draft(token())
    return render_template("respond/nothing_to_send.html"), 200


@blueprint.get("/done")
def done() -> View:
    if not browser.has_sent(token()):
        return redirect(url_for(".start"))
    return render_template("respond/done.html", form=FlaskForm())


@blueprint.post("/new")
def new_response() -> View:
    """Let the next person on a shared device start afresh."""
    form = FlaskForm()
    if not form.validate():
        abort(400, _("The form could not be checked."))
    browser.start_afresh(token())
    return redirect(url_for(".start"))


@blueprint.post("/still-here")
def still_here() -> View:
    """The timeout warning's button: a real request, so the idle limit counts from now.

    With JavaScript it is sent in the background (204); without, it leads back to the page.
    """
    kept = browser.still_here(token())
    if request.accept_mimetypes.best == "application/json":
        # 409: nothing held any more; the page reloads and says what was cleared.
        return ("", 204) if kept else ("", 409)
    back = request.form.get("next", "")
    here = url_for(".start")
    if not (back == here or back.startswith(here + "/")) or "//" in back:
        back = here  # only ever back into this survey
    return redirect(back)


@blueprint.get("/saved")
@not_compressed  # the resume code: see surveys/delivery.py on BREACH
def saved() -> View:
    code = browser.code_just_saved(token())
    if code is None:  # shown once: a reload or the next person sees the start page
        return redirect(url_for(".start"))
    return render_template("respond/saved.html", resume_code=code)


class ResumeForm(FlaskForm):
    code = StringField(
        lazy_gettext("Enter your resume code"),
        description=lazy_gettext(
            "The 12 letters and numbers you were given, for example ABCD-EFGH-JKMN"
        ),
        validators=[InputRequired(lazy_gettext("Enter your resume code"))],
        widget=GovTextInput(),
    )


@blueprint.route("/resume", methods=["GET", "POST"])
def resume() -> View:
    form = ResumeForm()
    if form.validate_on_submit():
        code = service.pretty_code(service.normalise_code(form.code.data or ""))
        draft = service.find_draft(current_round(), code)
        if draft is not None:
            browser.keep_draft(token(), code)
            answers = dict(draft.answers)
            return redirect(
                section_url(next_section(current_questionnaire(), answers).key, answers)
            )
        form.code.errors = [
            _(
                "We could not find unsent answers saved with this code. Check the code. If "
                "you already sent your answers, they have been counted"
            )
        ]
    return render_template("respond/resume.html", form=form)
