"""The moderated comments a release publishes, each labelled by the release's one scheme.

Only comments a moderator has published go into a release, and only with the label the
release's labelling scheme gives every comment alike (surveys/comments/labels.py), so a
label never narrows its possible writers below k, by elimination or otherwise. Sorted by
feature, label and text: never by when they came in.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from ..analysis.results import RoundAnalysis
from ..comments.labels import LabellingScheme, Scheme, choose_scheme
from ..comments.moderation import approved_comments
from ..questionnaire import Questionnaire
from ..rounds.models import Round
from ..scoring.cells import CellKey


@dataclass(frozen=True)
class PublishedComment:
    feature: str
    agency: str | None
    level: str | None  # a level group, or None
    text: str


# A comment stays in every later release. Two schemes that cross (by agency in one release,
# by level in the next) would together name its writer's agency and level, which may be
# fewer than k people; schemes that nest (agency and level, then agency) name nothing new.
CROSSING = {Scheme.AGENCY: Scheme.LEVEL, Scheme.LEVEL: Scheme.AGENCY}


def comments_for_release(
    round_: Round, q: Questionnaire, analysis: RoundAnalysis, used: Collection[str] = ()
) -> tuple[list[PublishedComment], Scheme]:
    """The comments to publish and the scheme that labels them, given the schemes the round's
    earlier releases used."""
    groups = sorted({level.group for level in q.levels})
    group_of = {level.id: level.group for level in q.levels}
    members = {
        CellKey(r.agency, r.level): r.respondents
        for r in analysis.responses
        if r.locality is None and not r.suppressed and r.respondents is not None
    }
    suppressed = {CellKey(r.agency, r.level) for r in analysis.responses if r.suppressed}
    scheme = choose_scheme(
        [agency for agency, _name in analysis.agencies],
        groups,
        members,
        suppressed,
        analysis.min_cell_size,
    )
    if CROSSING.get(scheme.scheme) in used:
        scheme = LabellingScheme(Scheme.PARTNERSHIP)
    comments = []
    for comment in approved_comments(round_.id):
        label = scheme.label(comment.agency_id, group_of.get(comment.level_id, comment.level_id))
        if label is not None:
            comments.append(
                PublishedComment(comment.feature_id, label.agency, label.level_group, comment.text)
            )
    ordered = sorted(comments, key=lambda c: (c.feature, c.agency or "", c.level or "", c.text))
    return ordered, scheme.scheme
