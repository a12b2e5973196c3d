"""The moderation queue: administrators and managers decide what comments may be published.

A moderator sees a comment's feature and words, never its writer's agency, level, place or
day: the moderator may well be the writer's manager.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers.response import Response

from ..audit import record
from ..auth.access import roles_required, signed_in_user
from ..auth.models import Role
from ..comments.forms import ModerationForm
from ..comments.highlight import highlight
from ..comments.models import CommentStatus
from ..comments.moderation import (
    ModerationError,
    QueuedComment,
    find_comment,
    moderation_queue,
    publish,
    queue_counts,
    redact,
    withhold,
)
from ..library import questionnaire
from ..paging import page_of, pagination, requested_page
from ..releases.service import take_down
from ..responses.answers import clean_text
from ..responses.models import Comment
from ..rounds.models import Round
from ..rounds.pages import round_or_404

blueprint = Blueprint("moderate", __name__, url_prefix="/moderate")

MODERATORS = frozenset({Role.ADMIN, Role.MANAGER})
View = str | Response | tuple[str, int]


@blueprint.before_request
@roles_required(MODERATORS)
def moderators_only() -> None:
    """Every page here is for administrators and partnership managers."""


@dataclass(frozen=True)
class QueueEntry:
    number: int
    comment: QueuedComment
    feature_name: str
    highlighted: Markup
    form: ModerationForm


def secret() -> str | bytes:
    return current_app.config["SECRET_KEY"]  # type: ignore[no-any-return]


def form_for(comment: QueuedComment) -> ModerationForm:
    # A prefix per comment gives every textarea its own name and id on the one page.
    return ModerationForm(formdata=None, prefix=comment.ref, data={"text": comment.text})


def render_queue(round_: Round, failed: tuple[str, ModerationForm] | None = None) -> str:
    """The queue; `failed` is a comment's reference and its form with errors, redrawn as sent."""
    q = questionnaire(round_.questionnaire_version)
    names = {feature.id: feature.name for feature in q.features}
    places = [locality.name for locality in round_.localities]
    # "Other" names no agency, and marking every "other" in a comment would be noise.
    agencies = [agency.name for agency in round_.agencies if agency.agency_id != "other"]
    # A page at a time: marking words is the costly part, and 100,000 comments on one page
    # would be tens of megabytes.
    page = page_of(
        moderation_queue(round_.id, secret(), [f.id for f in q.features]),
        request.args.get("page"),
    )
    entries = [
        QueueEntry(
            number,
            comment,
            names.get(comment.feature_id, comment.feature_id),
            highlight(comment.text, places, agencies),
            failed[1] if failed is not None and failed[0] == comment.ref else form_for(comment),
        )
        for number, comment in enumerate(page.items, start=page.first)
    ]
    return render_template(
        "comments/queue.html",
        round=round_,
        entries=entries,
        page=page,
        page_links=pagination(
            page, lambda number: url_for(".queue", slug=round_.slug, page=number)
        ),
        counts=queue_counts(round_.id),
        form=failed[1] if failed is not None else None,
    )


@blueprint.get("/<slug>")
def queue(slug: str) -> View:
    return render_queue(round_or_404(slug))


@blueprint.post("/<slug>/comments/<ref>")
def decide(slug: str, ref: str) -> View:
    round_ = round_or_404(slug)
    comment = find_comment(round_.id, ref, secret())
    if comment is None:
        abort(404, "There is no such comment in this round.")
    moderator = signed_in_user()
    assert moderator is not None  # moderators_only has made sure
    action = request.form.get("action")
    form = ModerationForm(prefix=ref)
    # What readers may have seen: a release keeps a published comment's words until taken down.
    shown = comment.text if comment.status == CommentStatus.PUBLISHED.value else None
    if action == "publish":
        if changed_words(form, comment):
            form.text.errors = [
                "You have changed the words: choose ‘Publish with these words’ to publish "
                "your version, or put the words back to publish them as written"
            ]
            return render_queue(round_, (ref, form))
        publish(comment, moderator.id)
        done = "published"
    elif action == "withhold":
        withhold(comment, moderator.id)
        done = "withheld: it will not be shown"
    elif action == "redact":
        if form.validate():
            try:
                redact(comment, form.text.data or "", moderator.id)
            except ModerationError as error:
                form.text.errors = [str(error)]
        if form.text.errors:
            return render_queue(round_, (ref, form))
        done = "published with your changes"
    else:
        abort(400, "Choose publish, withhold or publish with these words.")
    if shown is not None and action != "publish":
        # Withheld or reworded after a release showed it: take it down from every release now,
        # not at the next one (which might be refused for months).
        take_down(round_, comment.feature_id, shown, comment.text if action == "redact" else None)
    # Which decision on which feature, never the words nor which response they came from.
    record(
        f"comment {done.split(':')[0]}", target=round_.slug, detail=f"feature {comment.feature_id}"
    )
    feature = questionnaire(round_.questionnaire_version).feature(comment.feature_id)
    flash(f"The comment on {feature.name if feature else comment.feature_id} has been {done}.")
    # Back to the page the decision was made on.
    return redirect(
        url_for(".queue", slug=round_.slug, page=requested_page(request.args.get("page")))
    )


def changed_words(form: ModerationForm, comment: Comment) -> bool:
    """Publishing after editing the box would publish the old words: ask instead."""
    sent = form.text.raw_data
    return bool(sent) and clean_text(str(sent[0])) != comment.text
