"""Storage that forgets: whoever holds a copy of the database files reads neither the order in
which answers arrived nor text that was deleted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from surveys.database import db
from surveys.library import current_questionnaire
from surveys.questionnaire import Questionnaire
from surveys.responses.models import Comment, Draft, Submission
from surveys.rounds.models import Round, utc_now
from surveys.rounds.service import RoundSpec, create_round
from tests.helpers import (
    Respondent,
    RoundRef,
    WorkshopRef,
    answer_everything,
    count_rows,
    feature_answers,
)
from tests.integration.test_workshops import Participant

# Every table with a composite key that holds someone's answers, or counts of them.
ANSWER_TABLES = (
    "answers",
    "partner_ratings",
    "comments",
    "response_tallies",
    "item_tallies",
    "feature_tallies",
    "complete_case_tallies",
    "item_pair_tallies",
    "partner_tallies",
    "workshop_answers",
)
SECRET = "ZEBRA-QUOKKA-4711"


def test_answer_tables_give_no_order_of_arrival(
    app: Flask,
    make_round: Callable[..., RoundRef],
    make_workshop: Callable[..., WorkshopRef],
    client: FlaskClient,
    questionnaire: Questionnaire,
) -> None:
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL has no rowid; what its storage keeps is in docs/anonymity.md")
    round_ = make_round()
    first = questionnaire.features[0].id
    for agency in ("police", "education", "probation"):
        person = Respondent(app.test_client(), round_)
        answer_everything(person, questionnaire, agency=agency)
        comment = {**feature_answers(questionnaire, first), "comment": f"From {agency}"}
        person.post(comment, path=f"/section/{first}")
        person.post({}, path="/submit", action=None)
    workshop = make_workshop()
    for _ in range(2):
        phone = Participant(app, workshop)
        phone.join()
        phone.answer()
    assert count_rows(app, Submission) == 3

    with app.app_context(), db.engine.connect() as connection:
        for table in ANSWER_TABLES:
            rows = connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            assert rows > 0, f"{table}: no rows to put in order"
            # The attack: read the rows in the order SQLite numbered them as they came in.
            for hidden in ("rowid", "_rowid_", "oid"):
                with pytest.raises(OperationalError, match="no such column"):
                    connection.execute(text(f"SELECT {hidden} FROM {table} ORDER BY {hidden}"))
            sql = connection.execute(
                text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
                {"name": table},
            ).scalar_one()
            assert sql.rstrip().endswith("WITHOUT ROWID"), table
        # The submissions' rowid is their random id, which says nothing of arrival.
        numbered = connection.execute(text("SELECT rowid, id FROM submissions")).all()
        assert all(rowid == id_ for rowid, id_ in numbered)


def open_round(app: Flask) -> RoundRef:
    now = utc_now()
    spec = RoundSpec(
        name="Storage round",
        slug="storage",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
    )
    with app.app_context():
        round_ = create_round(spec, current_questionnaire(), 30)
        return RoundRef(round_.id, round_.slug, round_.public_token)


def files_holding(folder: Path, secret: str) -> list[str]:
    """The attack: read every byte of every file, -wal and -shm included."""
    return [f.name for f in sorted(folder.iterdir()) if secret.encode() in f.read_bytes()]


def draft_with_secret(app: Flask, round_: RoundRef) -> Respondent:
    """A respondent part-way through, with a comment that must not outlive its deletion."""
    with app.app_context():
        questionnaire = current_questionnaire()
    person = Respondent(app.test_client(), round_)
    person.get("/about-you")
    person.post({"agency": "police", "level": "frontline"})
    first = questionnaire.features[0].id
    person.post({**feature_answers(questionnaire, first), "comment": SECRET})
    return person


def test_a_comment_taken_out_before_sending_is_in_no_file(own_app: Flask, instance: Path) -> None:
    round_ = open_round(own_app)
    person = draft_with_secret(own_app, round_)
    assert files_holding(instance, SECRET), "the draft should hold the comment for now"
    with own_app.app_context():
        questionnaire = current_questionnaire()
    answer_everything(person, questionnaire)
    first = questionnaire.features[0].id
    person.get(f"/section/{first}")
    person.post({**feature_answers(questionnaire, first), "comment": ""})
    person.post({}, path="/submit", action=None)

    assert person.path.endswith("/done"), person.path
    assert count_rows(own_app, Submission) == 1
    assert count_rows(own_app, Comment) == 0
    assert count_rows(own_app, Draft) == 0
    assert files_holding(instance, SECRET) == []


def close(app: Flask, round_: RoundRef) -> None:
    with app.app_context():
        live = db.session.scalar(select(Round).where(Round.id == round_.id))
        assert live is not None
        live.close()
        db.session.commit()


def forget_drafts(app: Flask, round_: RoundRef) -> None:
    result = app.test_cli_runner().invoke(args=["forget-drafts"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 unsent drafts" in result.output


def open_closed_link(app: Flask, round_: RoundRef) -> None:
    assert app.test_client().get(round_.url).status_code == 403


@pytest.mark.parametrize("forget", [forget_drafts, open_closed_link])
def test_an_unsent_draft_of_a_closed_round_is_in_no_file(
    own_app: Flask, instance: Path, forget: Callable[[Flask, RoundRef], None]
) -> None:
    round_ = open_round(own_app)
    draft_with_secret(own_app, round_)
    assert files_holding(instance, SECRET), "the draft should hold the comment for now"
    close(own_app, round_)
    forget(own_app, round_)

    assert count_rows(own_app, Draft) == 0
    assert files_holding(instance, SECRET) == []
