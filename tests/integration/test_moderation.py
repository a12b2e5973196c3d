"""Comments wait for an administrator or a manager to publish, redact or withhold them."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select

from surveys.auth.models import User
from surveys.comments.models import CommentModeration, CommentStatus
from surveys.comments.moderation import (
    ApprovedComment,
    approved_comments,
    comment_ref,
    moderation_queue,
)
from surveys.database import db
from surveys.library import current_questionnaire
from surveys.releases.models import Release
from surveys.reporting.models import StoredReport
from surveys.reporting.stored import report_now
from surveys.responses import service as responses_service
from surveys.responses.answers import CompletedResponse
from surveys.responses.models import Channel, Comment
from surveys.responses.service import record_submissions
from surveys.rounds.models import Round, utc_now
from tests.helpers import TEST_SECRET, RoundRef, count_rows, csrf_token_in, pdf_text, publish

MakeRound = Callable[..., RoundRef]
AddComment = Callable[..., int]


@pytest.fixture
def add_comment(app: Flask) -> AddComment:
    """Send one response with one comment, as it would arrive; returns its submission id."""

    def add(
        round_: RoundRef,
        text: str,
        feature: str = "trust",
        agency: str = "police",
        level: str = "frontline",
        channel: Channel = Channel.ONLINE,
    ) -> int:
        with app.app_context():
            live = db.session.get(Round, round_.id)
            assert live is not None
            response = CompletedResponse(agency, level, comments={feature: text})
            ids = record_submissions(
                live, current_questionnaire(), [response], channel, date.today()
            )
            db.session.commit()
            return ids[0]

    return add


@pytest.fixture
def falling_ids(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Submission ids that fall as responses arrive, so id order is arrival order reversed."""
    next_ids = iter(range(9_000, 0, -100))
    monkeypatch.setattr(
        responses_service, "new_submission_ids", lambda n: [next(next_ids) for _ in range(n)]
    )
    yield


def ref(submission_id: int, feature: str = "trust") -> str:
    return comment_ref(submission_id, feature, TEST_SECRET)


def decide(
    client: FlaskClient, round_: RoundRef, submission_id: int, action: str, **fields: str
) -> object:
    page = client.get(f"/moderate/{round_.slug}").get_data(as_text=True)
    key = ref(submission_id, fields.pop("feature", "trust"))
    data = {"csrf_token": csrf_token_in(page), "action": action}
    data.update({f"{key}-{name}": value for name, value in fields.items()})
    return client.post(f"/moderate/{round_.slug}/comments/{key}", data=data)


def status_of(app: Flask, submission_id: int, feature: str = "trust") -> tuple[str, str]:
    with app.app_context():
        comment = db.session.get(Comment, (submission_id, feature))
        assert comment is not None
        return comment.status, comment.text


def audit(app: Flask) -> list[CommentModeration]:
    with app.app_context():
        rows = db.session.scalars(select(CommentModeration).order_by(CommentModeration.id)).all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)


def user_id(app: Flask, email: str) -> int:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        return user.id


def test_a_new_comment_waits_for_moderation(
    app: Flask, make_round: MakeRound, add_comment: AddComment
) -> None:
    round_ = make_round()
    sid = add_comment(round_, "We trust each other more now.")
    assert status_of(app, sid) == ("pending", "We trust each other more now.")
    with app.app_context():
        assert approved_comments(round_.id) == []


def test_the_queue_is_by_feature_then_random_id_never_by_arrival(
    app: Flask,
    make_round: MakeRound,
    add_comment: AddComment,
    falling_ids: None,
    manager: FlaskClient,
) -> None:
    round_ = make_round()
    arrivals = [
        add_comment(round_, f"{feature} comment {n}", feature)
        for n, feature in enumerate(["trust", "dialogue", "purpose", "trust", "purpose"])
    ]
    a_trust, a_dialogue, a_purpose, b_trust, b_purpose = arrivals
    with app.app_context():
        queue = moderation_queue(
            round_.id, TEST_SECRET, [f.id for f in current_questionnaire().features]
        )
    # The questionnaire's order of features, then the reference, which differs per feature.
    expected = sorted(
        [(b_purpose, "purpose"), (a_purpose, "purpose"), (b_trust, "trust"), (a_trust, "trust")],
        key=lambda pair: (pair[1] != "purpose", ref(*pair)),
    ) + [(a_dialogue, "dialogue")]
    assert [(c.ref, c.feature_id) for c in queue] == [(ref(s, f), f) for s, f in expected]
    arrival_order = [
        ref(s, f)
        for s, f in zip(arrivals, ["trust", "dialogue", "purpose", "trust", "purpose"], strict=True)
    ]
    assert [c.ref for c in queue] != arrival_order
    # The page shows them in the same order, decided ones after those still waiting.
    decide(manager, round_, b_purpose, "publish", feature="purpose")
    page = manager.get(f"/moderate/{round_.slug}").get_data(as_text=True)
    shown = re.findall(r'boundary-keep-lines">(\w+) comment (\d)', page)
    assert shown[-1] == ("purpose", "4")  # published: after those still waiting
    words = {a_purpose: "2", b_purpose: "4", a_trust: "0", b_trust: "3", a_dialogue: "1"}
    assert shown[:-1] == [(f, words[s]) for s, f in expected if s != b_purpose]


def test_the_queue_does_not_line_up_one_writers_comments_across_features(
    app: Flask, make_round: MakeRound, add_comment: AddComment
) -> None:
    """Ordered by submission id, the i-th comment under every feature came from the same
    person, so a moderator could read each writer's comments together."""
    round_ = make_round()
    writers = []
    for n in range(6):
        with app.app_context():
            live = db.session.get(Round, round_.id)
            assert live is not None
            person = CompletedResponse(
                "police", "frontline", comments={"trust": f"t{n}", "purpose": f"p{n}"}
            )
            writers.append(
                record_submissions(
                    live, current_questionnaire(), [person], Channel.ONLINE, date.today()
                )[0]
            )
            db.session.commit()
    with app.app_context():
        queue = moderation_queue(round_.id, TEST_SECRET)
    by_feature = {
        feature: [c.text[1:] for c in queue if c.feature_id == feature]
        for feature in ("trust", "purpose")
    }
    assert sorted(by_feature["trust"]) == sorted(by_feature["purpose"])
    assert by_feature["trust"] != by_feature["purpose"], "one writer's comments line up"


def test_the_queue_never_shows_who_wrote_a_comment(
    app: Flask, make_round: MakeRound, add_comment: AddComment, manager: FlaskClient
) -> None:
    round_ = make_round(agencies=["police", "housing"], localities=("Riverside",))
    sid = add_comment(round_, "Meetings are better.", agency="housing", level="strategic")
    page = manager.get(f"/moderate/{round_.slug}").get_data(as_text=True)
    assert "Meetings are better." in page
    assert "Relations of trust" in page  # the feature
    for hidden in ("Housing", "housing", "Strategic leader", "strategic", "Riverside", str(sid)):
        assert hidden not in page, hidden
    today = date.today()  # nor the day it arrived
    for shown_day in (today.isoformat(), f"{today.day} {today:%B %Y}"):
        assert shown_day not in page


def test_publish_redact_and_withhold_are_audited_without_the_words(
    app: Flask,
    make_round: MakeRound,
    add_comment: AddComment,
    client: FlaskClient,
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
) -> None:
    round_ = make_round()
    email = make_user("manager")
    sign_in(email)
    first = add_comment(round_, "Fine as it is.")
    second = add_comment(round_, "As the only DSL at Oakfield I told Mr Smith.", "purpose")
    third = add_comment(round_, "Sarah Jones at 07700 900123 is the problem.", "dialogue")
    before = utc_now() - timedelta(seconds=1)

    assert decide(client, round_, first, "publish").status_code == 302  # type: ignore[attr-defined]
    redacted = decide(
        client, round_, second, "redact", feature="purpose", text="  A school lead raised it.  "
    )
    assert redacted.status_code == 302  # type: ignore[attr-defined]
    assert decide(client, round_, third, "withhold", feature="dialogue").status_code == 302  # type: ignore[attr-defined]
    after = utc_now() + timedelta(seconds=1)

    assert status_of(app, first) == ("published", "Fine as it is.")
    assert status_of(app, second, "purpose") == ("published", "A school lead raised it.")
    assert status_of(app, third, "dialogue")[0] == "withheld"
    rows = audit(app)
    assert [(r.submission_id, r.feature_id, r.action) for r in rows] == [
        (first, "trust", "published"),
        (second, "purpose", "redacted"),
        (third, "dialogue", "withheld"),
    ]
    moderator = user_id(app, email)
    assert all(r.moderator_id == moderator and r.round_id == round_.id for r in rows)
    assert all(before <= r.moderated_at <= after for r in rows)
    # The audit has no column for words, and none of its values holds any.
    with app.app_context():
        columns = {c["name"] for c in inspect(db.engine).get_columns("comment_moderations")}
    assert columns == {
        "id",
        "round_id",
        "submission_id",
        "feature_id",
        "action",
        "moderator_id",
        "moderated_at",
    }
    values = " ".join(str(getattr(r, c)) for r in rows for c in columns)
    for words in ("Oakfield", "Smith", "DSL", "Sarah", "07700", "Fine as it is"):
        assert words not in values


def test_a_redaction_leaves_the_old_words_nowhere_in_the_comments(
    app: Flask, make_round: MakeRound, add_comment: AddComment, manager: FlaskClient
) -> None:
    round_ = make_round()
    sid = add_comment(round_, "Ask Xanthippe Quillfeather in the Oakfield team.")
    assert decide(manager, round_, sid, "redact", text="Ask the team.").status_code == 302  # type: ignore[attr-defined]
    with app.app_context():
        texts = db.session.scalars(select(Comment.text)).all()
        assert texts == ["Ask the team."]
        url = db.engine.url
    page = manager.get(f"/moderate/{round_.slug}").get_data(as_text=True)
    assert "Xanthippe" not in page
    if url.get_backend_name() == "sqlite" and url.database:
        # secure_delete and the checkpoint after a redaction leave no copy in the files.
        for file in (Path(url.database), Path(f"{url.database}-wal")):
            if file.exists():
                assert b"Xanthippe" not in file.read_bytes(), file


def test_approved_comments_are_the_published_ones_with_their_writers_groups(
    app: Flask, make_round: MakeRound, add_comment: AddComment, manager: FlaskClient
) -> None:
    round_ = make_round(agencies=["police", "health"])
    published = add_comment(round_, "Published words.", agency="health", level="strategic")
    redacted = add_comment(round_, "Names Mr Smith.", "purpose")
    withheld = add_comment(round_, "Withheld words.", "dialogue")
    add_comment(round_, "Still waiting.", "respect")
    decide(manager, round_, published, "publish")
    decide(manager, round_, redacted, "redact", feature="purpose", text="Names someone.")
    decide(manager, round_, withheld, "withhold", feature="dialogue")
    with app.app_context():
        approved = approved_comments(round_.id)
    assert sorted(approved, key=lambda c: c.feature_id) == [
        ApprovedComment("police", "frontline", "purpose", "Names someone."),
        ApprovedComment("health", "strategic", "trust", "Published words."),
    ]


def test_a_moderator_may_change_their_mind_and_each_decision_is_audited(
    app: Flask, make_round: MakeRound, add_comment: AddComment, manager: FlaskClient
) -> None:
    round_ = make_round()
    sid = add_comment(round_, "First words.")
    decide(manager, round_, sid, "publish")
    decide(manager, round_, sid, "redact", text="Second words.")
    decide(manager, round_, sid, "redact", text="Third words.")
    decide(manager, round_, sid, "withhold")
    assert status_of(app, sid) == ("withheld", "Third words.")
    assert [r.action for r in audit(app)] == ["published", "redacted", "redacted", "withheld"]
    decide(manager, round_, sid, "publish")
    assert status_of(app, sid) == ("published", "Third words.")
    with app.app_context():
        assert [c.text for c in approved_comments(round_.id)] == ["Third words."]


def test_the_page_counts_and_explains(
    app: Flask, make_round: MakeRound, add_comment: AddComment, manager: FlaskClient
) -> None:
    round_ = make_round()
    ids = [
        add_comment(round_, f"Words {n}.", feature)
        for n, feature in enumerate(["trust", "purpose", "dialogue", "respect"])
    ]
    decide(manager, round_, ids[0], "publish")
    decide(manager, round_, ids[1], "withhold", feature="purpose")
    page = html.unescape(manager.get(f"/moderate/{round_.slug}").get_data(as_text=True))
    counts = re.findall(
        r'<dt class="govuk-summary-list__key">\s*(\w+)\s*</dt>\s*'
        r'<dd class="govuk-summary-list__value">\s*(\d+)\s*</dd>',
        page,
    )
    assert counts == [("Waiting", "2"), ("Published", "1"), ("Withheld", "1")]
    assert "What to look for" in page
    # Every form on the page carries a CSRF token.
    assert page.count("<form") == page.count('name="csrf_token"')


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_administrators_and_managers_moderate(
    app: Flask,
    client: FlaskClient,
    make_round: MakeRound,
    add_comment: AddComment,
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
    role: str,
) -> None:
    round_ = make_round()
    sid = add_comment(round_, "Words.")
    sign_in(make_user(role))
    assert client.get(f"/moderate/{round_.slug}").status_code == 200
    response = decide(client, round_, sid, "publish")
    assert response.status_code == 302  # type: ignore[attr-defined]
    followed = client.get(response.headers["Location"])  # type: ignore[attr-defined]
    assert "The comment on Relations of trust has been published." in html.unescape(
        followed.get_data(as_text=True)
    )
    # Report readers who may moderate find the queue from the list of rounds.
    assert f'href="/moderate/{round_.slug}"' in client.get("/reports").get_data(as_text=True)


@pytest.mark.parametrize(("role", "agency"), [("agency-lead", "police"), ("facilitator", None)])
def test_agency_leads_and_facilitators_may_not(
    app: Flask,
    client: FlaskClient,
    make_round: MakeRound,
    add_comment: AddComment,
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
    role: str,
    agency: str | None,
) -> None:
    round_ = make_round()
    sid = add_comment(round_, "Words.")
    sign_in(make_user(role, agency))
    assert client.get(f"/moderate/{round_.slug}").status_code == 403
    token = csrf_token_in(client.get("/").get_data(as_text=True))
    posted = client.post(
        f"/moderate/{round_.slug}/comments/{ref(sid)}",
        data={"csrf_token": token, "action": "publish"},
    )
    assert posted.status_code == 403
    assert status_of(app, sid)[0] == "pending"
    if role == "agency-lead":
        assert "/moderate/" not in client.get("/reports").get_data(as_text=True)


def test_signed_out_people_are_sent_to_sign_in(client: FlaskClient, make_round: MakeRound) -> None:
    round_ = make_round()
    response = client.get(f"/moderate/{round_.slug}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_unknown_rounds_and_comments_are_not_found(
    make_round: MakeRound, add_comment: AddComment, manager: FlaskClient
) -> None:
    assert manager.get("/moderate/no-such-round").status_code == 404
    round_ = make_round()
    other = make_round()
    sid = add_comment(other, "In another round.")
    page = manager.get(f"/moderate/{round_.slug}").get_data(as_text=True)
    token = csrf_token_in(page)
    for key in ("not-a-ref", ref(sid)):  # a real comment, but of another round
        posted = manager.post(
            f"/moderate/{round_.slug}/comments/{key}",
            data={"csrf_token": token, "action": "publish"},
        )
        assert posted.status_code == 404


def test_a_post_without_a_csrf_token_is_refused(
    app: Flask, make_round: MakeRound, add_comment: AddComment, manager: FlaskClient
) -> None:
    round_ = make_round()
    sid = add_comment(round_, "Words.")
    posted = manager.post(
        f"/moderate/{round_.slug}/comments/{ref(sid)}", data={"action": "publish"}
    )
    assert posted.status_code == 400
    assert status_of(app, sid)[0] == "pending"
    assert count_rows(app, CommentModeration) == 0


def test_an_empty_redaction_is_an_error_at_the_field(
    app: Flask, make_round: MakeRound, add_comment: AddComment, manager: FlaskClient
) -> None:
    round_ = make_round()
    sid = add_comment(round_, "Keep me.")
    response = decide(manager, round_, sid, "redact", text="   \n ")
    page = html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert page.startswith("<!DOCTYPE html>") and "<title>Error: " in page
    assert "There is a problem" in page
    message = "Enter the words to publish, or withhold the comment instead"
    field = f"{ref(sid)}-text"
    assert f'href="#{field}"' in page  # the error summary links to the field
    error = re.search(rf'<p id="{field}-error" class="govuk-error-message">(.*?)</p>', page, re.S)
    assert error is not None and message in error.group(1)
    assert "<details" in page and re.search(r"<details[^>]*open", page)
    assert status_of(app, sid) == ("pending", "Keep me.")
    assert count_rows(app, CommentModeration) == 0


def test_publishing_after_changing_the_words_asks_first(
    app: Flask, make_round: MakeRound, add_comment: AddComment, manager: FlaskClient
) -> None:
    round_ = make_round()
    sid = add_comment(round_, "Ask Mr Smith.")
    response = decide(manager, round_, sid, "publish", text="Ask the manager.")
    page = html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]
    assert "You have changed the words" in page
    assert status_of(app, sid) == ("pending", "Ask Mr Smith.")
    # Unchanged words (whatever the line endings and outer spaces) publish as written.
    assert decide(manager, round_, sid, "publish", text=" Ask Mr Smith.\r\n").status_code == 302  # type: ignore[attr-defined]
    assert status_of(app, sid) == ("published", "Ask Mr Smith.")


def test_a_comment_is_escaped_and_what_might_identify_is_marked(
    make_round: MakeRound, add_comment: AddComment, manager: FlaskClient
) -> None:
    round_ = make_round(localities=("Riverside",), agencies=["police", "health", "other"])
    add_comment(round_, "<script>alert('x')</script> we asked DS Patel in Riverside.")
    add_comment(round_, "Health and police trust each other more now.", feature="purpose")
    page = manager.get(f"/moderate/{round_.slug}").get_data(as_text=True)
    # The agencies' names are marked; "other" is an agency of the round but names nobody.
    assert "<mark>Health</mark>" in page and "each other more" in page
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "<mark>DS Patel</mark>" in page and "<mark>Riverside</mark>" in page
    # The box to redact it holds the words as written, escaped too.
    assert (
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; we asked DS Patel in Riverside.</textarea>"
        in page
    )


def test_demo_comments_are_published_for_the_demo(
    app: Flask, make_round: MakeRound, add_comment: AddComment
) -> None:
    round_ = make_round()
    sid = add_comment(round_, "Made-up words.", channel=Channel.DEMO)
    assert status_of(app, sid) == (CommentStatus.PUBLISHED.value, "Made-up words.")


def test_a_comment_taken_down_after_a_release_leaves_every_release_at_once(
    app: Flask, make_round: MakeRound, add_comment: AddComment, manager: FlaskClient
) -> None:
    """A moderator who sees identifying words only after a release showed them must not
    wait for the next release, which may be refused for months."""
    round_ = make_round(agencies=["police", "health"])
    named = add_comment(round_, "Ask DS Patel, she signs everything off.")
    plain = add_comment(round_, "Meetings are good.", agency="health")
    others = [add_comment(round_, f"Fine {n}.", agency="health") for n in range(8)]
    for sid in [named, plain, *others]:
        decide(manager, round_, sid, "publish")
    publish(app, round_.slug)
    page = f"/reports/{round_.slug}/features/trust"
    assert "DS Patel" in manager.get(page).get_data(as_text=True)
    with app.app_context():  # a stored PDF of the release, holding the words
        assert "DS Patel" in pdf_text(report_now(db.session.get_one(Round, round_.id), None))
        assert db.session.scalars(select(StoredReport)).all()
    decide(manager, round_, named, "redact", text="Ask the lead, who signs everything off.")
    with app.app_context():  # found in review: the old PDF outlived the take-down
        assert db.session.scalars(select(StoredReport)).all() == []
        again = pdf_text(report_now(db.session.get_one(Round, round_.id), None))
        assert "DS Patel" not in again and "Ask the lead, who signs" in again
    shown = manager.get(page).get_data(as_text=True)
    assert "DS Patel" not in shown and "Ask the lead, who signs everything off." in shown
    decide(manager, round_, plain, "withhold")
    assert "Meetings are good." not in manager.get(page).get_data(as_text=True)
    with app.app_context():
        stored = db.session.scalars(select(Release)).one()
        assert "DS Patel" not in stored.comments and "Meetings are good." not in stored.comments
