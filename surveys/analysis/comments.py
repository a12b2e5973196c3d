"""Free-text comments, shown only for groups of at least the minimum size.

A comment is labelled with the narrowest published group its writer belongs to (their
agency and level, else their agency, else their level, else the partnership), and only
with a group of at least k respondents. When even the partnership is smaller than k, no
comment is shown. Comments are sorted by group and text, never by when they came in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from ..database import db
from ..responses.models import Comment, Submission
from .results import ResponseResult, RoundAnalysis


@dataclass(frozen=True)
class PublishedComment:
    agency: str | None
    level: str | None
    text: str


def _shown(
    responses: dict[tuple[str | None, str | None], ResponseResult],
    k: int,
    agency: str | None,
    level: str | None,
) -> bool:
    group = responses.get((agency, level))
    return (
        group is not None
        and not group.suppressed
        and group.respondents is not None
        and group.respondents >= k
    )


def published_comments(
    round_id: int, feature: str, analysis: RoundAnalysis, level_groups: Mapping[str, str]
) -> list[PublishedComment]:
    """`level_groups` maps each level id to its group ("management" or "frontline")."""
    k = analysis.min_cell_size
    responses = {(r.agency, r.level): r for r in analysis.responses if r.locality is None}
    rows = db.session.execute(
        select(Submission.agency_id, Submission.level_id, Comment.text)
        .join(Submission, Submission.id == Comment.submission_id)
        .where(Comment.round_id == round_id, Comment.feature_id == feature)
    ).all()
    comments = []
    for agency, level, text in rows:
        group = level_groups.get(level)
        for label in ((agency, group), (agency, None), (None, group), (None, None)):
            if _shown(responses, k, *label):
                comments.append(PublishedComment(label[0], label[1], text))
                break
    return sorted(comments, key=lambda c: (c.agency or "", c.level or "", c.text))
