"""Moderation: a comment waits in a queue until a moderator publishes, redacts or withholds it.

The queue shows a comment's feature and words only, ordered by feature and then by the
random submission id, so neither the writer's group nor the order of arrival shows. Pages
name a comment by an opaque reference, not its submission id, which would tell a moderator
which comments on different features one person wrote. Every decision is audited (who,
what, when), never with the words: a redaction exists to remove them, so the old text is
overwritten in place and kept nowhere.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from ..database import db, forget_deleted_pages
from ..responses.answers import COMMENT_MAX_LENGTH, clean_text
from ..responses.models import Comment, Submission
from ..rounds.models import utc_now
from .models import CommentModeration, CommentStatus, ModerationAction


class ModerationError(ValueError):
    """A decision that cannot be recorded as given (an empty redaction, say)."""


@dataclass(frozen=True)
class QueuedComment:
    """What a moderator sees of a comment: never the writer's agency, level, place or day."""

    ref: str
    feature_id: str
    text: str
    status: CommentStatus


@dataclass(frozen=True)
class ApprovedComment:
    """A published comment with its writer's groups, for a release to label as it may."""

    agency_id: str
    level_id: str
    feature_id: str
    text: str


@dataclass(frozen=True)
class QueueCounts:
    pending: int = 0
    published: int = 0
    withheld: int = 0


def comment_ref(submission_id: int, feature_id: str, secret: str | bytes) -> str:
    """A comment's name in pages and links: unguessable, and different on every feature."""
    key = secret.encode() if isinstance(secret, str) else secret
    message = f"comment-ref/{submission_id}/{feature_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:24]


def moderation_queue(
    round_id: int, secret: str | bytes, feature_order: Sequence[str] = ()
) -> list[QueuedComment]:
    """Pending comments first, then decided ones; each part by feature, then reference.

    Not by submission id: one writer's comments would then stand at the same place under
    every feature. A reference differs on every feature, so the order says nothing either."""
    rows = db.session.execute(
        select(Comment.submission_id, Comment.feature_id, Comment.text, Comment.status).where(
            Comment.round_id == round_id
        )
    ).all()
    queue = [
        QueuedComment(comment_ref(sid, feature, secret), feature, words, CommentStatus(status))
        for sid, feature, words, status in rows
    ]
    # The questionnaire's order reads better than the alphabet.
    position = {feature: index for index, feature in enumerate(feature_order)}
    queue.sort(
        key=lambda c: (
            c.status is not CommentStatus.PENDING,
            position.get(c.feature_id, len(position)),
            c.feature_id,
            c.ref,
        )
    )
    return queue


def queue_counts(round_id: int) -> QueueCounts:
    rows = db.session.execute(
        select(Comment.status, func.count())
        .where(Comment.round_id == round_id)
        .group_by(Comment.status)
    ).all()
    counts = {CommentStatus(status): int(n) for status, n in rows}
    return QueueCounts(
        pending=counts.get(CommentStatus.PENDING, 0),
        published=counts.get(CommentStatus.PUBLISHED, 0),
        withheld=counts.get(CommentStatus.WITHHELD, 0),
    )


def find_comment(round_id: int, ref: str, secret: str | bytes) -> Comment | None:
    """The round's comment with this reference, if any (a round holds at most thousands)."""
    keys = db.session.execute(
        select(Comment.submission_id, Comment.feature_id).where(Comment.round_id == round_id)
    ).all()
    for submission_id, feature_id in keys:
        if hmac.compare_digest(comment_ref(submission_id, feature_id, secret), ref):
            return db.session.get(Comment, (submission_id, feature_id))
    return None


def publish(comment: Comment, moderator_id: int) -> None:
    """Publish the words as they stand (as written, or as last redacted)."""
    _decide(comment, CommentStatus.PUBLISHED, ModerationAction.PUBLISHED, moderator_id)


def withhold(comment: Comment, moderator_id: int) -> None:
    _decide(comment, CommentStatus.WITHHELD, ModerationAction.WITHHELD, moderator_id)


def redact(comment: Comment, new_text: str, moderator_id: int) -> None:
    """Replace the words with the moderator's version and publish that; the old words go."""
    words = clean_text(new_text)
    if not words:
        raise ModerationError("Enter the words to publish, or withhold the comment instead")
    if len(words) > COMMENT_MAX_LENGTH:
        raise ModerationError(f"The comment must be {COMMENT_MAX_LENGTH} characters or fewer")
    comment.text = words
    _decide(comment, CommentStatus.PUBLISHED, ModerationAction.REDACTED, moderator_id)
    # SQLite's write-ahead log would keep the page with the old words until a checkpoint.
    forget_deleted_pages()


def approved_comments(round_id: int) -> list[ApprovedComment]:
    """Every published comment of a round, with its writer's agency and level."""
    rows = db.session.execute(
        select(Submission.agency_id, Submission.level_id, Comment.feature_id, Comment.text)
        .join(Submission, Submission.id == Comment.submission_id)
        .where(Comment.round_id == round_id, Comment.status == CommentStatus.PUBLISHED.value)
        .order_by(Comment.feature_id, Comment.submission_id)
    ).all()
    return [ApprovedComment(*row) for row in rows]


def _decide(
    comment: Comment, status: CommentStatus, action: ModerationAction, moderator_id: int
) -> None:
    # Deciding again is allowed (a moderator may change their mind); each decision is audited.
    comment.status = status.value
    db.session.add(
        CommentModeration(
            round_id=comment.round_id,
            submission_id=comment.submission_id,
            feature_id=comment.feature_id,
            action=action.value,
            moderator_id=moderator_id,
            moderated_at=utc_now(),
        )
    )
    db.session.commit()
