"""Drafts under resume codes, idempotent submission, and storing responses in bulk."""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, delete, insert, select, update

from ..database import db, durable, forget_deleted_pages, retry_when_locked
from ..invitations.service import InvitationRefused
from ..invitations.service import spend as spend_invitation
from ..questionnaire import Questionnaire
from ..rounds.models import Round, utc_now
from ..rounds.service import find_round_by_token
from .answers import CompletedResponse, InvalidAnswer, RoundChoices
from .journey import DraftAnswers, completed_response
from .models import (
    Answer,
    Channel,
    Comment,
    Draft,
    PartnerRating,
    Submission,
)
from .tallies import add_to_tallies

# No look-alike characters (0/O, 1/I/L, U/V), so a code read aloud or written down survives.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTWXYZ23456789"
CODE_LENGTH = 12  # 29**12, about 58 bits: not guessable


def new_resume_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(text: str) -> str:
    """Codes are matched ignoring case, spaces and hyphens."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def pretty_code(code: str) -> str:
    """ABCDEFGHJKMN as ABCD-EFGH-JKMN, as it was shown."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def round_choices(round_: Round) -> RoundChoices:
    return RoundChoices(
        agencies={a.agency_id: a.name for a in round_.agencies},
        localities={loc.locality_id: loc.name for loc in round_.localities},
    )


def today() -> date:
    return utc_now().date()


def find_draft(round_: Round, code: str) -> Draft | None:
    return db.session.scalar(
        select(Draft).where(Draft.round_id == round_.id, Draft.code_hash == code_hash(code))
    )


def find_round_and_draft(token: str, code: str | None) -> tuple[Round | None, Draft | None]:
    """The round of a survey link and the draft held under `code` in it, in one query.

    Nearly every page of the journey needs both, and asking for them apart cost a second
    round trip to the database on each of them."""
    if code is None:
        return find_round_by_token(token), None
    found = db.session.execute(
        select(Round, Draft)
        .outerjoin(Draft, and_(Draft.round_id == Round.id, Draft.code_hash == code_hash(code)))
        .where(Round.public_token == token)
    ).first()
    if found is None:
        return None, None
    return found[0], found[1]


def save_draft(round_: Round, code: str | None, answers: DraftAnswers) -> str:
    """Keep answers so far; returns the resume code (a new one for a new draft)."""
    round_id = round_.id  # read once: a retry's rollback would expire it

    def write() -> str:
        if code is not None:
            # One UPDATE finds and rewrites the draft (every page of the journey saves it):
            # no SELECT first, and no ORM bookkeeping of an object the commit expires anyway.
            saved = db.session.execute(
                update(Draft)
                .where(Draft.round_id == round_id, Draft.code_hash == code_hash(code))
                .values(answers=dict(answers), updated_on=today())
                .execution_options(synchronize_session=False)
            )
            if saved.rowcount:  # type: ignore[attr-defined]  # a CursorResult's, for an UPDATE
                db.session.commit()
                return code
        # No draft yet, or it was sent from another device or forgotten: a new code.
        kept = new_resume_code()
        db.session.add(
            Draft(
                round_id=round_id,
                code_hash=code_hash(kept),
                answers=dict(answers),
                updated_on=today(),
            )
        )
        db.session.commit()
        return kept

    return retry_when_locked(write)


class SubmitResult(enum.Enum):
    SUBMITTED = "submitted"
    NOTHING_TO_SEND = "nothing to send"  # already sent (a double click, a resend) or expired


def submit_draft(
    round_: Round, questionnaire: Questionnaire, code: str, invitation: str | None = None
) -> SubmitResult:
    """Store the draft as a response exactly once, however often it is sent.

    Deleting the draft is the guard: of two submits racing each other, the second finds
    the draft already gone (its DELETE touches no row), rolls back and stores nothing. No
    record of the code outlives the draft, so nothing can lead from a code to its answers.

    A round that needs invitation codes spends `invitation` in the same transaction; if it
    was spent meanwhile, InvitationRefused is raised and the draft stays.
    """

    def write() -> SubmitResult:
        durable()  # the confirmation page promises these answers are kept
        # One statement both claims the draft and reads it, so there is no gap between
        # looking and deleting for a second submit to slip through.
        answers = db.session.scalar(
            delete(Draft)
            .where(Draft.round_id == round_.id, Draft.code_hash == code_hash(code))
            .returning(Draft.answers)
        )
        if answers is None:
            db.session.rollback()
            return SubmitResult.NOTHING_TO_SEND
        try:
            response = completed_response(questionnaire, round_choices(round_), answers)
        except InvalidAnswer:
            db.session.rollback()  # the draft stays, to be put right
            raise
        if round_.invitations_required:
            try:
                spend_invitation(round_, invitation, response.agency_id)
            except InvitationRefused:
                db.session.rollback()  # the draft stays, for another code
                raise
        record_submissions(round_, questionnaire, [response], Channel.ONLINE, today())
        db.session.commit()
        return SubmitResult.SUBMITTED

    # Sending twice is harmless (the draft is gone the second time), so a locked attempt
    # is simply made again.
    result = retry_when_locked(write)
    if result is SubmitResult.SUBMITTED:
        forget_deleted_pages()  # the draft's earlier versions, comments edited out included
    return result


def forget_unsent_drafts(round_: Round) -> int:
    """Drafts of a closed round were never sent and never will be: they are deleted."""
    deleted = db.session.execute(delete(Draft).where(Draft.round_id == round_.id))
    db.session.commit()
    if getattr(deleted, "rowcount", 0):
        forget_deleted_pages()
    return int(getattr(deleted, "rowcount", 0))


def new_submission_ids(count: int) -> list[int]:
    # 62 random bits: a clash among even a million responses is about one in ten million,
    # and would fail the insert (primary key) rather than mix two responses.
    return [secrets.randbits(62) for _ in range(count)]


def record_submissions(
    round_: Round,
    questionnaire: Questionnaire,
    responses: Sequence[CompletedResponse],
    channel: Channel,
    on: date,
) -> list[int]:
    """Insert responses with their answers; the caller commits. Their feature scores are
    worked out once, by the tallies (add_to_tallies), which are all the analysis reads.

    Rows go in with one multi-row INSERT per table, so an import of thousands is quick.
    """
    if not responses:
        return []
    submission_ids = new_submission_ids(len(responses))
    # A None ("don't know", no locality) is sent as NULL rather than left out of the row:
    # left out, every run of rows with a different set of columns was an INSERT of its
    # own (7 statements for one response's answers); the columns have no default to lose.
    bulk = {"render_nulls": True}
    db.session.execute(
        insert(Submission).execution_options(**bulk),
        [
            {
                "id": submission_id,
                "round_id": round_.id,
                "agency_id": r.agency_id,
                "level_id": r.level_id,
                "locality_id": r.locality_id,
                "co_location": r.co_location,
                "years_in_partnership": r.years_in_partnership,
                "submitted_on": on,
                "channel": channel.value,
            }
            for submission_id, r in zip(submission_ids, responses, strict=True)
        ],
    )
    answers: list[dict[str, Any]] = []
    ratings: list[dict[str, Any]] = []
    comments: list[dict[str, Any]] = []
    comment_status = "published" if channel is Channel.DEMO else "pending"
    for submission_id, response in zip(submission_ids, responses, strict=True):
        keys = {"submission_id": submission_id, "round_id": round_.id}
        answers += [
            {**keys, "item_id": item_id, "value": value}
            for item_id, value in response.items.items()
        ]
        ratings += [
            {**keys, "partner_agency_id": partner, "question_id": question, "value": value}
            for partner, by_question in response.partner_ratings.items()
            for question, value in by_question.items()
        ]
        comments += [
            # Demo comments are made up, so they need no moderator before the demo shows them.
            {**keys, "feature_id": feature_id, "text": text, "status": comment_status}
            for feature_id, text in response.comments.items()
        ]
    for model, rows in (
        (Answer, answers),
        (PartnerRating, ratings),
        (Comment, comments),
    ):
        if rows:
            db.session.execute(insert(model).execution_options(**bulk), rows)
    add_to_tallies(round_, questionnaire, responses, channel.value)
    return submission_ids
