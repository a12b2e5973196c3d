"""Running a workshop: join codes, ballots, the room's answers, and the facilitator's moves."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, insert, select, update

from ..database import db
from ..questionnaire import Item, Questionnaire
from ..responses.answers import CompletedResponse
from ..responses.models import Channel
from ..responses.service import new_submission_ids, record_submissions, today
from ..rounds.models import Round, utc_now
from .models import (
    ActionStatus,
    AgreedLevel,
    Ballot,
    Mode,
    RoomAnswer,
    RoomResponse,
    SessionState,
    WorkshopAction,
    WorkshopSession,
)

# Six characters without look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 8/B): easy to read off a
# screen at the back of a room and to type on a phone.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6


class WorkshopError(ValueError):
    """A move the facilitator cannot make now; the message says why."""


def normalise_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def new_join_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        taken = db.session.scalar(
            select(WorkshopSession.id).where(WorkshopSession.join_code == code)
        )
        if taken is None:
            return code


def find_by_code(text: str) -> WorkshopSession | None:
    code = normalise_code(text)
    if len(code) != CODE_LENGTH:
        return None
    return db.session.scalar(select(WorkshopSession).where(WorkshopSession.join_code == code))


@dataclass(frozen=True)
class SessionSpec:
    title: str
    held_on: date
    feature_ids: Sequence[str]
    mode: Mode
    round: Round | None = None
    counts_towards_round: bool = False


def create_session(
    spec: SessionSpec, questionnaire: Questionnaire, facilitator_id: int | None
) -> WorkshopSession:
    title = spec.title.strip()
    if not title:
        raise WorkshopError("Give the workshop a title")
    known = [f.id for f in questionnaire.features]
    features = [f for f in known if f in spec.feature_ids]
    if not features:
        raise WorkshopError("Choose at least one feature to cover")
    if spec.counts_towards_round:
        if spec.round is None:
            raise WorkshopError("Answers can only count towards a round if a round is linked")
        if spec.mode is not Mode.FULL:
            raise WorkshopError(
                "Only answers to the full questionnaire can count towards the round: a pulse "
                "asks one statement per feature, too few to score it"
            )
        if not spec.round.is_open:
            raise WorkshopError("Answers can only count towards a round that is open")
    session = WorkshopSession(
        title=title,
        held_on=spec.held_on,
        facilitator_id=facilitator_id,
        round_id=spec.round.id if spec.round else None,
        questionnaire_version=questionnaire.version,
        features=",".join(features),
        mode=spec.mode.value,
        counts_towards_round=spec.counts_towards_round,
        join_code=new_join_code(),
        focus_feature=features[0],
    )
    db.session.add(session)
    db.session.commit()
    return session


def statements(session: WorkshopSession, questionnaire: Questionnaire) -> list[Item]:
    """What the room answers: a headline per feature (pulse), or every statement (full)."""
    chosen = []
    for feature_id in session.feature_ids:
        feature = questionnaire.feature(feature_id)
        if feature is None:
            continue
        if session.mode == Mode.PULSE:
            chosen += [item for item in feature.items if item.id == feature.headline_item]
        else:
            chosen += list(feature.items)
    return chosen


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_ballot(session: WorkshopSession) -> str:
    token = secrets.token_urlsafe(24)
    db.session.add(Ballot(session_id=session.id, token_hash=_hash(token), issued_on=today()))
    db.session.commit()
    return token


def _bump(session_id: int) -> None:
    db.session.execute(
        update(WorkshopSession)
        .where(WorkshopSession.id == session_id)
        .values(version=WorkshopSession.version + 1)
    )


def cast(
    session: WorkshopSession,
    questionnaire: Questionnaire,
    token: str,
    agency_id: str,
    level_id: str,
    answers: Mapping[str, int | None],
    vote: int,
) -> bool:
    """Store a participant's answers once per ballot. False when the ballot was used already
    (a double tap, or a resend on a weak connection): nothing more is stored."""
    used = db.session.execute(
        delete(Ballot).where(Ballot.session_id == session.id, Ballot.token_hash == _hash(token))
    )
    if getattr(used, "rowcount", 0) != 1:
        db.session.rollback()
        return False
    response_id = new_submission_ids(1)[0]
    db.session.execute(
        insert(RoomResponse),
        [
            {
                "id": response_id,
                "session_id": session.id,
                "agency_id": agency_id,
                "level_id": level_id,
                "vote": vote,
                "submitted_on": today(),
            }
        ],
    )
    if answers:
        db.session.execute(
            insert(RoomAnswer),
            [
                {
                    "response_id": response_id,
                    "item_id": item_id,
                    "session_id": session.id,
                    "value": value,
                }
                for item_id, value in answers.items()
            ],
        )
    counted = session.counts_towards_round and session.round is not None and session.round.is_open
    if vote == 1 and counted and session.round is not None:
        # Counted in the round as workshop answers, which analysis can tell apart; once the
        # round has closed, like any late answer, they stay in the room only.
        record_submissions(
            session.round,
            questionnaire,
            [CompletedResponse(agency_id=agency_id, level_id=level_id, items=dict(answers))],
            Channel.WORKSHOP,
            today(),
        )
    _bump(session.id)
    db.session.commit()
    return True


# --- the facilitator's moves ----------------------------------------------------------------


def _changed(session: WorkshopSession) -> None:
    session.version += 1
    db.session.commit()


def _not_ended(session: WorkshopSession) -> None:
    if session.state is SessionState.ENDED:
        raise WorkshopError("This workshop has ended")


def open_answering(session: WorkshopSession) -> None:
    _not_ended(session)
    session.answering = True
    session.ever_opened = True
    _changed(session)


def close_answering(session: WorkshopSession) -> None:
    _not_ended(session)
    session.answering = False
    _changed(session)


def reveal(session: WorkshopSession, shown: bool) -> None:
    _not_ended(session)
    session.revealed = shown
    _changed(session)


def focus(session: WorkshopSession, feature_id: str) -> None:
    _not_ended(session)
    if feature_id not in session.feature_ids:
        raise WorkshopError("That feature is not part of this workshop")
    session.focus_feature = feature_id
    _changed(session)


def start_revote(session: WorkshopSession, item_id: str, questionnaire: Questionnaire) -> None:
    _not_ended(session)
    if item_id not in {item.id for item in statements(session, questionnaire)}:
        raise WorkshopError("That statement is not part of this workshop")
    session.revote_item = item_id
    session.answering = True
    session.ever_opened = True
    _changed(session)


def stop_revote(session: WorkshopSession) -> None:
    session.revote_item = None
    _changed(session)


def agree_level(
    session: WorkshopSession, feature_id: str, level_id: str, questionnaire: Questionnaire
) -> None:
    if feature_id not in session.feature_ids:
        raise WorkshopError("That feature is not part of this workshop")
    if level_id not in {m.id for m in questionnaire.maturity_levels}:
        raise WorkshopError("Choose one of the five levels")
    existing = next((a for a in session.agreed_levels if a.feature_id == feature_id), None)
    if existing is None:
        session.agreed_levels.append(AgreedLevel(feature_id=feature_id, level_id=level_id))
    else:
        existing.level_id = level_id
    _changed(session)


def add_action(
    session: WorkshopSession,
    text: str,
    feature_id: str | None,
    owner_agency: str | None,
    due_on: date | None,
) -> WorkshopAction:
    text = text.strip()
    if not text:
        raise WorkshopError("Describe the action")
    if len(text) > 1000:
        raise WorkshopError("Keep the action to 1,000 characters or fewer")
    if feature_id and feature_id not in session.feature_ids:
        raise WorkshopError("That feature is not part of this workshop")
    action = WorkshopAction(
        session_id=session.id,
        round_id=session.round_id,
        text=text,
        feature_id=feature_id or None,
        owner_agency=owner_agency or None,
        due_on=due_on,
        status=ActionStatus.AGREED.value,
    )
    session.actions.append(action)
    _changed(session)
    return action


def set_action_status(action: WorkshopAction, status: ActionStatus) -> None:
    action.status = status.value
    db.session.commit()


def end(session: WorkshopSession) -> None:
    _not_ended(session)
    session.answering = False
    session.revote_item = None
    session.ended_at = utc_now()
    # Unused ballots were never answers; nothing of them is kept.
    db.session.execute(delete(Ballot).where(Ballot.session_id == session.id))
    _changed(session)


def actions_for_round(round_id: int) -> list[WorkshopAction]:
    return list(
        db.session.scalars(
            select(WorkshopAction)
            .where(WorkshopAction.round_id == round_id)
            .order_by(WorkshopAction.due_on, WorkshopAction.id)
        )
    )
