"""The respondent's journey: start, about you, one page per feature, partners, check, submit.

Every page works without JavaScript. The respondent's session cookie holds only the
resume code of their draft; the answers themselves wait on the server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    abort,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from werkzeug.wrappers.response import Response
from wtforms import StringField
from wtforms.validators import InputRequired

from ..library import questionnaire
from ..questionnaire import Questionnaire
from ..rounds.models import Round, RoundState
from ..rounds.service import find_round_by_token
from . import service
from .answers import NOT_SAID
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
    chosen_partners,
    next_section,
    rating_key,
    section,
    sections,
)

blueprint = Blueprint("respond", __name__, url_prefix="/r/<token>")

View = str | Response | tuple[str, int]


@blueprint.url_value_preprocessor
def load_round(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    token = (values or {}).pop("token", "")
    round_ = find_round_by_token(token)
    if round_ is None:
        abort(
            404,
            "This survey link is not recognised. Check that you copied the whole link, "
            "or ask the person who sent it to you for a new one.",
        )
    g.round = round_
    g.questionnaire = questionnaire(round_.questionnaire_version)


@blueprint.url_defaults
def add_token(_endpoint: str, values: dict[str, Any]) -> None:
    if "token" not in values and "round" in g:
        values["token"] = g.round.public_token


@blueprint.before_request
def round_must_be_open() -> tuple[str, int] | None:
    state = current_round().state()
    if state is RoundState.OPEN:
        return None
    return render_template("respond/not_open.html", state=state.value), 403


@blueprint.context_processor
def journey_context() -> dict[str, Any]:
    if "round" not in g:  # an error page for a link that named no round
        return {}
    return {"round": g.round, "questionnaire": g.questionnaire, "resume_code": current_code()}


def current_round() -> Round:
    round_: Round = g.round
    return round_


def current_questionnaire() -> Questionnaire:
    questionnaire_: Questionnaire = g.questionnaire
    return questionnaire_


# --- the resume code in the respondent's session -------------------------------------------


def current_code() -> str | None:
    code: str | None = session.get("drafts", {}).get(current_round().public_token)
    return code


def remember_code(code: str | None) -> None:
    drafts = dict(session.get("drafts", {}))
    if code is None:
        drafts.pop(current_round().public_token, None)
    else:
        drafts[current_round().public_token] = code
    session["drafts"] = drafts


class AlreadySubmitted(Exception):
    """The session's draft has been submitted: every page now leads to the confirmation."""


def current_answers() -> DraftAnswers:
    code = current_code()
    if code is None:
        return {}
    draft = service.find_draft(current_round(), code)
    if draft is not None:
        return dict(draft.answers)
    if service.is_submitted(current_round(), code):
        raise AlreadySubmitted
    remember_code(None)  # a code for a draft that no longer exists
    return {}


@blueprint.errorhandler(AlreadySubmitted)
def to_confirmation(_error: AlreadySubmitted) -> Response:
    return redirect(url_for(".done"))


# --- pages ---------------------------------------------------------------------------------


@blueprint.get("")
def start() -> View:
    agency_id = session.get("preselect", {}).get(current_round().public_token)
    agency = current_round().agency(agency_id) if agency_id else None
    return render_template(
        "respond/start.html",
        agency=agency,
        in_progress=bool(current_code()),
        section_count=len(sections(current_questionnaire())),
    )


@blueprint.get("/agency/<agency_id>")
def agency_link(agency_id: str) -> View:
    """A link given to one agency's staff: the agency is chosen for them (they can change it)."""
    if current_round().agency(agency_id) is None:
        abort(404, "This survey link names an agency that is not taking part in this round.")
    preselect = dict(session.get("preselect", {}))
    preselect[current_round().public_token] = agency_id
    session["preselect"] = preselect
    return redirect(url_for(".start"))


def reject_tampering(form: JourneyForm) -> None:
    problem = form.tampering(request.form, current_round().public_token)
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
    form.round.data = current_round().public_token
    if request.method == "POST":
        reject_tampering(form)
        saving = request.form.get("action") == "save"
        valid = form.validate()
        # Saving for later keeps what is there; only answers given but wrong hold it up.
        blocking = {
            name: errors for name, errors in form.errors.items() if not saving or form[name].data
        }
        if valid or (saving and not blocking):
            store(answers, form)
            remember_code(service.save_draft(current_round(), current_code(), answers))
            if saving:
                return redirect(url_for(".saved"))
            return redirect(next_url(answers) if next_url else after(key, answers))
        if saving:
            form.errors.clear()
            for name, errors in blocking.items():
                form[name].errors = list(errors)
    this = section(current_questionnaire(), key)
    back = context.pop("back", None) or before(key, answers)
    return render_template(template, form=form, section=this, back=back, **context)


def after(key: str, answers: DraftAnswers) -> str:
    """Where 'Continue' leads: the next section, or back to the check page when changing."""
    q = current_questionnaire()
    if request.args.get("change"):
        # A change can leave another section unanswered (a new agency drops it as a partner).
        upcoming = next_section(q, answers).key
        return url_for(".check") if upcoming == CHECK else section_url(upcoming, change="1")
    keys = [s.key for s in sections(q)]
    following = keys[keys.index(key) + 1]
    return section_url(following)


def before(key: str, answers: DraftAnswers) -> str:
    if request.args.get("change"):
        return url_for(".check")
    keys = [s.key for s in sections(current_questionnaire())]
    index = keys.index(key)
    return url_for(".start") if index == 0 else section_url(keys[index - 1])


def changing() -> dict[str, Any]:
    """Keep 'we came from the check page' across the pages of one change."""
    return {"change": "1"} if request.args.get("change") else {}


def section_url(key: str, **args: Any) -> str:
    if key == ABOUT_YOU:
        return url_for(".about_you", **args)
    if key == PARTNERS:
        return url_for(".partners", **args)
    if key == CHECK:
        return url_for(".check")
    return url_for(".feature", feature_id=key, **args)


@blueprint.route("/about-you", methods=["GET", "POST"])
def about_you() -> View:
    answers = current_answers()
    about = dict(answers.get("about", {}))
    if not about.get("agency"):
        about["agency"] = session.get("preselect", {}).get(current_round().public_token)
    form = about_you_form(current_round(), current_questionnaire(), data=about)

    def store(answers: DraftAnswers, form: JourneyForm) -> None:
        values = form.answers(name for name in form._fields if name != "round")
        answers["about"] = values
        own = values.get("agency")
        # One's own agency is not a partner: drop it if the agency was changed.
        if own and own in answers.get("partners", []):
            answers["partners"] = [p for p in answers["partners"] if p != own]
            if not answers["partners"]:
                del answers["partners"]

    level_hints = [{"hint": {"text": level.hint}} for level in current_questionnaire().levels]
    return section_page(
        ABOUT_YOU, form, answers, store, "respond/about_you.html", level_hints=level_hints
    )


@blueprint.route("/section/<feature_id>", methods=["GET", "POST"])
def feature(feature_id: str) -> View:
    this = current_questionnaire().feature(feature_id)
    if this is None:
        abort(404, "There is no section of the questionnaire at this address.")
    answers = current_answers()
    items = answers.get("items", {})
    data = {item.id: items.get(item.id) for item in this.items}
    data["comment"] = answers.get("comments", {}).get(feature_id, "")
    form = feature_form(this, current_questionnaire(), data=data)

    def store(answers: DraftAnswers, form: JourneyForm) -> None:
        given = form.answers(item.id for item in this.items)
        answers["items"] = {**answers.get("items", {}), **{k: v for k, v in given.items() if v}}
        comments = dict(answers.get("comments", {}))
        comments[feature_id] = (form["comment"].data or "").strip()
        answers["comments"] = comments

    return section_page(feature_id, form, answers, store, "respond/feature.html", feature=this)


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
        return redirect(url_for(".partners"))
    ratings = answers.get("ratings", {})
    form = partner_rating_form(current_round(), current_questionnaire(), partners, data=ratings)

    def store(answers: DraftAnswers, form: JourneyForm) -> None:
        given = form.answers(name for name in form._fields if name != "round")
        answers["ratings"] = {**answers.get("ratings", {}), **{k: v for k, v in given.items() if v}}

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
        return redirect(section_url(upcoming.key))
    form = SubmitForm()
    form.round.data = current_round().public_token
    return render_template(
        "respond/check.html",
        form=form,
        answers=answers,
        section=upcoming,
        summary=check_summary(answers),
        back=section_url(PARTNERS),
    )


def check_summary(answers: DraftAnswers) -> list[dict[str, Any]]:
    """The check page's summary cards: one per section, each row with its change link."""
    q = current_questionnaire()
    round_ = current_round()
    about = answers.get("about", {})

    def option_name(question_id: str) -> str:
        value = about.get(question_id) or ""
        if value in ("", NOT_SAID):
            return "Not given"
        option = q.context_question(question_id).option(value)
        return option.name if option else value

    agency = round_.agency(about.get("agency", ""))
    level = q.level(about.get("level", ""))
    locality = round_.locality(about.get("locality") or "")
    about_rows = [("Agency", agency.name if agency else ""), ("Role", level.name if level else "")]
    if round_.localities:
        about_rows.append(("Locality", locality.name if locality else "Not given"))
    about_rows += [(q.context_question(c.id).question, option_name(c.id)) for c in q.context]
    cards: list[dict[str, Any]] = [
        {"title": "About you", "rows": about_rows, "change": section_url(ABOUT_YOU, change="1")}
    ]

    items = answers.get("items", {})
    for feature in q.features:
        rows = [(item.text, scale_label(q, items.get(item.id, ""))) for item in feature.items]
        rows.append(("Your comment", answers.get("comments", {}).get(feature.id) or "None"))
        cards.append(
            {"title": feature.name, "rows": rows, "change": section_url(feature.id, change="1")}
        )

    chosen = chosen_partners(answers)
    names = [a.name for p in chosen if (a := round_.agency(p))]
    partner_rows = [("Agencies you work with most", ", ".join(names) or "None of these")]
    ratings = answers.get("ratings", {})
    for partner in chosen:
        partner_agency = round_.agency(partner)
        name = partner_agency.name if partner_agency else partner
        partner_rows += [
            (
                question.about(name),
                partner_scale_label(q, ratings.get(rating_key(partner, question.id), "")),
            )
            for question in q.partners.questions
        ]
    cards.append(
        {
            "title": "Partner agencies",
            "rows": partner_rows,
            "change": url_for(".partners", change="1"),
        }
    )
    return cards


def scale_label(q: Questionnaire, value: str) -> str:
    if not value:
        return "Not answered"
    return q.scale_label(None if value == "dk" else int(value))


def partner_scale_label(q: Questionnaire, value: str) -> str:
    if not value:
        return "Not answered"
    if value == "dk":
        return q.partners.dont_know
    return next(p.label for p in q.partners.scale if str(p.value) == value)


@blueprint.post("/submit")
def submit() -> View:
    form = SubmitForm()
    reject_tampering(form)
    if not form.validate():
        abort(400, "The form could not be checked. Nothing was saved.")
    code = current_code()
    if code is None:
        abort(
            400,
            "We could not find your answers on this device. If you saved a resume code, "
            "use it to continue your response.",
        )
    answers = current_answers()  # already submitted: straight to the confirmation
    upcoming = next_section(current_questionnaire(), answers)
    if upcoming.key != CHECK:
        return redirect(section_url(upcoming.key))
    service.submit_draft(current_round(), current_questionnaire(), code)
    return redirect(url_for(".done"))


@blueprint.get("/done")
def done() -> View:
    code = current_code()
    if code is None or not service.is_submitted(current_round(), code):
        return redirect(url_for(".start"))
    return render_template("respond/done.html", form=FlaskForm())


@blueprint.post("/new")
def new_response() -> View:
    """Let the next person on a shared device start afresh."""
    form = FlaskForm()
    if not form.validate():
        abort(400, "The form could not be checked.")
    remember_code(None)
    return redirect(url_for(".start"))


@blueprint.get("/saved")
def saved() -> View:
    if current_code() is None:
        return redirect(url_for(".start"))
    current_answers()
    return render_template("respond/saved.html")


class ResumeForm(FlaskForm):
    code = StringField(
        "Resume code",
        description="The 12 letters and numbers you were given, for example ABCD-EFGH-JKMN",
        validators=[InputRequired("Enter your resume code")],
        widget=GovTextInput(),
    )


@blueprint.route("/resume", methods=["GET", "POST"])
def resume() -> View:
    form = ResumeForm()
    if form.validate_on_submit():
        code = service.normalise_code(form.code.data or "")
        if service.find_draft(current_round(), code) is not None:
            remember_code(pretty_code(code))
            answers = current_answers()
            return redirect(section_url(next_section(current_questionnaire(), answers).key))
        if service.is_submitted(current_round(), code):
            form.code.errors = ["The response saved under this code has already been sent"]
        else:
            form.code.errors = [
                "We could not find a saved response with this code. Check it and try again"
            ]
    return render_template("respond/resume.html", form=form)


def pretty_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
