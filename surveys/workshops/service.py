"""Running a workshop: join codes, ballots, the room's answers, and the facilitator's moves.

The session row is where writers meet: every move and every answer raises its version (an
UPDATE that locks the row until commit). A facilitator's move takes it first. A send takes it
last, after spending its ballot and writing its answers (rows nobody else waits for), so the
room's answers queue on it only for the check of what is asked and the publish; End commits
before it sweeps unused ballots, so it never waits on a send that is waiting on it. A send
that finds the session moved on or ended rolls everything back, its ballot included.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..database import db
from ..languages import gettext as _
from ..questionnaire import Item, Questionnaire
from ..refusals import Refused
from ..responses.answers import CompletedResponse
from ..responses.models import Channel
from ..responses.service import new_submission_ids, record_submissions, today
from ..rounds.actions import actions_for_round as actions_for_round
from ..rounds.models import Round, utc_now
from . import room
from .models import (
    ActionStatus,
    AgreedLevel,
    Ballot,
    Mode,
    ProjectorScreen,
    RoomAnswer,
    RoomResponse,
    SessionState,
    WorkshopAction,
    WorkshopSession,
)

# Six characters without look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V): easy to read off a
# screen at the back of a room and to type on a phone.
CODE_ALPHABET = "ACDEFGHJKMNPQRTWXY34679"
CODE_LENGTH = 6


class WorkshopError(Refused):
    """A move the facilitator cannot make now; the message says why, and `field` which
    question of a form it is about (None for the console's buttons)."""


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
        raise WorkshopError(_("Give the workshop a title"), "title")
    known = [f.id for f in questionnaire.features]
    features = [f for f in known if f in spec.feature_ids]
    if not features:
        raise WorkshopError(_("Choose at least one feature to cover"), "features")
    if spec.counts_towards_round:
        if spec.round is None:
            raise WorkshopError(
                _("Answers can only count towards a round if a round is linked"), "counts"
            )
        if spec.mode is not Mode.FULL or features != known:
            raise WorkshopError(
                _(
                    "Only answers to the whole questionnaire (every feature, every statement) can "
                    "count towards the round, like a response to the survey"
                ),
                "counts",
            )
        if not spec.round.is_open:
            raise WorkshopError(_("Answers can only count towards a round that is open"), "counts")
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


@dataclass(frozen=True)
class Due:
    """What a participant should answer now: their first answers, or a statement again."""

    vote: int  # room.FIRST or room.AGAIN; 0 when there is nothing to answer
    items: tuple[Item, ...] = ()


NOTHING_DUE = Due(0)


def due(
    session: WorkshopSession,
    questionnaire: Questionnaire,
    answered: bool,
    answered_again: Sequence[str],
) -> Due:
    """While a statement is put to the room again, only people who answered before answer it
    (their second answer is set beside their first); newcomers wait until it is over."""
    if not session.answering or session.ended_at is not None:
        return NOTHING_DUE
    if session.revote_item:
        item = questionnaire.item(session.revote_item)
        if answered and item is not None and session.revote_item not in answered_again:
            return Due(room.AGAIN, (item,))
        return NOTHING_DUE
    if not answered:
        return Due(room.FIRST, tuple(statements(session, questionnaire)))
    return NOTHING_DUE


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_ballot(session: WorkshopSession) -> str:
    token = secrets.token_urlsafe(24)
    db.session.add(Ballot(session_id=session.id, token_hash=_hash(token), issued_on=today()))
    db.session.commit()
    return token


def _lock(session: WorkshopSession) -> None:
    """Take the session row (locked until commit) and read it afresh, as it is now and not
    as this request first loaded it."""
    db.session.execute(
        update(WorkshopSession)
        .where(WorkshopSession.id == session.id)
        .values(version=WorkshopSession.version + 1)
    )
    db.session.refresh(session)


class Cast(enum.Enum):
    STORED = "stored"
    ALREADY_SENT = "already sent"  # the ballot was used: a double tap or a resend
    CLOSED = "closed"  # answering closed, or the workshop ended, before the answers arrived
    MOVED_ON = "moved on"  # the page asked what is no longer being asked


@dataclass(frozen=True)
class Answers:
    """A participant's page as sent: who they are, what the page asked, what they said."""

    ballot: str
    agency_id: str
    level_id: str
    vote: int
    values: Mapping[str, int | None]  # item id -> 1-5, None for don't know


def cast(
    session: WorkshopSession,
    questionnaire: Questionnaire,
    sent: Answers,
    answered: bool,
    answered_again: Sequence[str],
    k: int,
) -> Cast:
    """Store a participant's answers once per ballot, if they answer what is asked now.

    The session row is the room's one point of contention: every answer and every facilitator
    move takes it. So it is taken last, after the ballot is spent and the answers are written
    (rows no other request waits for), and held only to check what is asked, move the
    published figures and commit. A resend never takes it at all. If what is asked has
    changed, everything is rolled back, the ballot included."""
    used = db.session.execute(
        delete(Ballot).where(
            Ballot.session_id == session.id, Ballot.token_hash == _hash(sent.ballot)
        )
    )
    if getattr(used, "rowcount", 0) != 1:
        db.session.rollback()
        return Cast.ALREADY_SENT
    response_id = new_submission_ids(1)[0]
    db.session.execute(
        insert(RoomResponse),
        [
            {
                "id": response_id,
                "session_id": session.id,
                "agency_id": sent.agency_id,
                "level_id": sent.level_id,
                "vote": sent.vote,
                "submitted_on": today(),
            }
        ],
    )
    db.session.execute(
        insert(RoomAnswer),
        [
            {
                "response_id": response_id,
                "item_id": item_id,
                "session_id": session.id,
                "value": value,
            }
            for item_id, value in sent.values.items()
        ],
    )
    linked = session.round
    if sent.vote == room.FIRST and session.counts_towards_round and linked and linked.is_open:
        # Counted in the round as workshop answers, which analysis can tell apart; once the
        # round has closed, like any late answer, they stay in the room only.
        record_submissions(
            linked,
            questionnaire,
            [CompletedResponse(sent.agency_id, sent.level_id, items=dict(sent.values))],
            Channel.WORKSHOP,
            today(),
        )
    _lock(session)
    now = due(session, questionnaire, answered, answered_again)
    if not session.answering or session.ended_at is not None:
        db.session.rollback()
        return Cast.CLOSED
    if now.vote != sent.vote or {i.id for i in now.items} != set(sent.values):
        db.session.rollback()
        return Cast.MOVED_ON
    asked = statements(session, questionnaire)
    again = session.revote_item if sent.vote == room.AGAIN else None
    room.publish(session, questionnaire, asked, k, sent.vote, again)
    db.session.commit()
    return Cast.STORED


# --- the facilitator's moves ----------------------------------------------------------------


def _changed(session: WorkshopSession) -> None:
    # In SQL (version = version + 1), never "the version this request loaded, plus one": an
    # answer stored meanwhile has raised it too, and screens must see this move as new.
    session.version = WorkshopSession.version + 1
    db.session.commit()


def _not_ended(session: WorkshopSession) -> None:
    if session.state is SessionState.ENDED:
        raise WorkshopError(_("This workshop has ended"))


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
        raise WorkshopError(_("That feature is not part of this workshop"))
    session.focus_feature = feature_id
    session.projector_screen = ProjectorScreen.GAP.value  # a new feature opens on its gap
    _changed(session)


def show(session: WorkshopSession, screen: str) -> None:
    """Put one of the revealed screens on the projector."""
    _not_ended(session)
    if screen not in set(ProjectorScreen):
        raise WorkshopError(_("Choose what the projector shows"))
    session.projector_screen = screen
    _changed(session)


def asked_again_before(session: WorkshopSession, item_id: str) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    RoomAnswer.session_id == session.id,
                    RoomAnswer.item_id == item_id,
                    RoomAnswer.response_id.in_(
                        select(RoomResponse.id).where(
                            RoomResponse.session_id == session.id,
                            RoomResponse.vote == room.AGAIN,
                        )
                    ),
                )
            )
        )
    )


def start_revote(session: WorkshopSession, item_id: str, questionnaire: Questionnaire) -> None:
    """Put a statement to the room again: answering opens for that statement only."""
    _not_ended(session)
    if item_id not in {item.id for item in statements(session, questionnaire)}:
        raise WorkshopError(_("That statement is not part of this workshop"))
    if asked_again_before(session, item_id):
        raise WorkshopError(
            _(
                "That statement has been put to the room again already: its second answers are "
                "on the screen."
            )
        )
    item = questionnaire.item(item_id)
    if item is not None:  # the screen shows the feature the statement belongs to
        session.focus_feature = item.feature_id
    session.revote_item = item_id
    # The room is answering this statement again: the projector shows its answers.
    session.projector_screen = ProjectorScreen.ANSWERS.value
    session.answering = True
    session.ever_opened = True
    _changed(session)


def stop_revote(session: WorkshopSession) -> None:
    """Stop asking again; answering closes (open it again for newcomers if needed)."""
    _not_ended(session)
    session.revote_item = None
    session.answering = False
    _changed(session)


def agree_level(
    session: WorkshopSession, feature_id: str, level_id: str, questionnaire: Questionnaire
) -> None:
    """Record the level the room agreed for a feature; no level clears it."""
    if feature_id not in session.feature_ids:
        raise WorkshopError(_("That feature is not part of this workshop"))
    if level_id and level_id not in {m.id for m in questionnaire.maturity_levels}:
        raise WorkshopError(_("Choose one of the five levels"))
    chosen = AgreedLevel.session_id == session.id, AgreedLevel.feature_id == feature_id
    for _attempt in range(2):
        session.version = WorkshopSession.version + 1
        db.session.flush()  # the session row first, as every writer here
        if not level_id:
            db.session.execute(delete(AgreedLevel).where(*chosen))
        else:
            updated = db.session.execute(
                update(AgreedLevel).where(*chosen).values(level_id=level_id)
            )
            if getattr(updated, "rowcount", 0) == 0:
                db.session.add(
                    AgreedLevel(session_id=session.id, feature_id=feature_id, level_id=level_id)
                )
        try:
            db.session.commit()
            return
        except IntegrityError:
            # A double click recorded it a moment ago: go round again and update that one.
            db.session.rollback()
    raise WorkshopError(_("The level could not be recorded. Try again"))


def add_action(
    session: WorkshopSession,
    text: str,
    feature_id: str | None,
    owner_agency: str | None,
    due_on: date | None,
    agencies: Sequence[str] = (),
) -> WorkshopAction:
    """Capture an action; `agencies` are the ids an owner may be (the round's, or all)."""
    text = text.strip()
    if not text:
        raise WorkshopError(_("Describe the action"), "text")
    if len(text) > 1000:
        raise WorkshopError(_("Keep the action to 1,000 characters or fewer"), "text")
    if feature_id and feature_id not in session.feature_ids:
        raise WorkshopError(_("That feature is not part of this workshop"), "feature")
    if owner_agency and agencies and owner_agency not in agencies:
        raise WorkshopError(_("Choose an agency taking part, or ‘Not decided’"), "owner")
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
    _lock(session)
    if session.ended_at is not None:  # ended by another press meanwhile
        db.session.rollback()
        return
    session.answering = False
    session.revote_item = None
    session.ended_at = utc_now()
    db.session.commit()
    # Unused ballots were never answers; nothing of them is kept. Deleted once the session
    # row is released: a send that has already spent its ballot is waiting for that row, and
    # would otherwise wait on us while we waited on its ballot.
    db.session.execute(delete(Ballot).where(Ballot.session_id == session.id))
    db.session.commit()
