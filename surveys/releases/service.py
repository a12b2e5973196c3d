"""Publishing a round's results as a release, and reading what was published.

A release is made when a round closes (on the first look at it afterwards, or by the daily
`forget-drafts`), and an administrator may publish interim ones while it is open. Between
releases nothing a reader sees changes, so no one's answers show as the difference between
two downloads.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime

from blinker import Namespace
from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..analysis.assurance import beside_staff
from ..analysis.engine import Counts, examine, moved_groups, response_counts
from ..analysis.facts import RoundFacts
from ..analysis.queries import load_tallies
from ..analysis.results import ReleaseInfo, ResponseResult, RoundAnalysis
from ..database import db, forget_deleted_pages
from ..library import questionnaire
from ..questionnaire import Questionnaire
from ..rounds.declarations import declarations_in
from ..rounds.models import Round, RoundState, utc_now
from ..scoring.cells import NO_LOCALITY, CellKey
from ..scoring.suppression import Relation
from . import codec
from .comments import PublishedComment, comments_for_release
from .models import Release

INTERIM, FINAL = "interim", "final"
SCHEMES = "comments!scheme"  # kept with a release's counts: how its comments were labelled

# Sent once a release is stored, with round_= and release=: the PDF reports are prepared then.
release_published = Namespace().signal("release-published")
# Sent inside the take-down's transaction: whatever keeps copies of the comments (stored PDF
# reports) forgets them in the same commit, so no copy outlives the take-down.
comments_taken_down = Namespace().signal("comments-taken-down")


class ReleaseRefused(Exception):
    """An interim release that would let someone's answers be worked out; says why."""


def releases_of(round_: Round) -> list[Release]:
    return list(
        db.session.scalars(
            select(Release).where(Release.round_id == round_.id).order_by(Release.number)
        )
    )


def latest_release(round_: Round) -> Release | None:
    return db.session.scalars(
        select(Release).where(Release.round_id == round_.id).order_by(Release.number.desc())
    ).first()


def publish_release(round_: Round, now: datetime | None = None) -> Release:
    """Work out and store a new release; an interim one is refused with a plain reason
    unless every published group has moved by none or by at least k since each earlier one."""
    now = now or utc_now()
    k = int(current_app.config["MIN_CELL_SIZE"])
    q = questionnaire(round_.questionnaire_version)
    earlier = releases_of(round_)
    kind = FINAL if round_.state(now) is RoundState.CLOSED else INTERIM
    tallies = load_tallies(round_.id, q)
    history: list[Counts] = [json.loads(release.counts) for release in earlier]
    if kind == INTERIM:
        if not sum(tallies.respondents.values()):
            raise ReleaseRefused("There are no responses to publish yet.")
        moved = moved_groups(RoundFacts.of(round_), q, k, tallies, history)
        if moved:
            raise ReleaseRefused(_refusal(round_, q, k, earlier, moved))
    examined = examine(RoundFacts.of(round_), q, k, tallies, history)
    number = earlier[-1].number + 1 if earlier else 1
    analysis = replace(
        examined.analysis,
        round=replace(examined.analysis.round, release=ReleaseInfo(number, kind, now)),
    )
    # Agencies' declarations as they stand now: one made later shows in the next release.
    analysis = replace(analysis, declarations=beside_staff(analysis, q, declarations_in(round_)))
    used = {scheme for counts in history for scheme in counts.get(SCHEMES, {})}
    comments, scheme = comments_for_release(round_, q, analysis, used)
    if comments:
        examined.counts[SCHEMES] = {scheme.value: 1}
    if (
        earlier
        and _same(earlier[-1], round_, comments, analysis)
        and (kind == INTERIM or earlier[-1].kind == FINAL)
    ):
        raise ReleaseRefused(
            f"Nothing has changed since release {earlier[-1].number}: no new responses, "
            "no newly moderated comments and no changed declarations."
        )
    release = Release(
        round_id=round_.id,
        number=number,
        kind=kind,
        published_at=now,
        min_cell_size=k,
        data_version=round_.data_version,
        figures=codec.dump(analysis),
        comments=json.dumps([vars(c) for c in comments]),
        counts=json.dumps(examined.counts, sort_keys=True),
    )
    db.session.add(release)
    round_.latest_release = number  # what readers now see, without a query of their own
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ReleaseRefused(
            f"Release {number} was published by someone else at the same moment: "
            "look at the round again before publishing another."
        ) from None
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    release_published.send(app, round_=round_, release=release)
    return release


def take_down(round_: Round, feature: str, words: str, new_words: str | None) -> None:
    """Withdraw a published comment from the round's releases (or put a moderator's new words
    in its place): the one change a release allows after it is published, since it only ever
    shows less."""
    for release in releases_of(round_):
        comments = json.loads(release.comments)
        match = next((c for c in comments if c["feature"] == feature and c["text"] == words), None)
        if match is None:
            continue
        if new_words is None:
            comments.remove(match)
        else:
            match["text"] = new_words
            # Where the new words sort, as a release would place them: the old place would
            # hint at the old words.
            comments.sort(
                key=lambda c: (c["feature"], c["agency"] or "", c["level"] or "", c["text"])
            )
        release.comments = json.dumps(comments)
    round_.comments_revision += 1  # every process reads its releases' comments again
    comments_taken_down.send(current_app._get_current_object(), round_=round_)  # type: ignore[attr-defined]
    db.session.commit()
    forget_deleted_pages()  # the old words, in the write-ahead log and freed pages


def _same(
    release: Release, round_: Round, comments: list[PublishedComment], analysis: RoundAnalysis
) -> bool:
    return (
        release.data_version == round_.data_version
        and json.loads(release.comments) == [vars(c) for c in comments]
        and codec.load(release.figures).declarations == analysis.declarations
    )


def _refusal(
    round_: Round,
    q: Questionnaire,
    k: int,
    earlier: list[Release],
    moved: list[tuple[int, CellKey | Relation[CellKey], int]],
) -> str:
    # Groups by name only, never by how far they moved, and never one that is not shown
    # (those who gave no locality): a refusal must not tell more than a release would.
    by_release: dict[int, list[str]] = {}
    for index, group, _change in moved:
        cell = group if isinstance(group, CellKey) else group.total
        if cell.locality == NO_LOCALITY:
            continue
        label = group_name(round_, q, cell) + ("" if isinstance(group, CellKey) else " (parts)")
        names = by_release.setdefault(earlier[index].number, [])
        if label not in names:
            names.append(label)
    listed = "; ".join(
        f"since release {number}: "
        + ", ".join(names[:4])
        + (" and others" if len(names) > 4 else "")
        for number, names in sorted(by_release.items())
    )
    return (
        f"Not published: some groups have changed by fewer than {k} responses "
        f"({listed or 'groups that are not shown'}). Every group a release shows must have "
        f"changed by none or by at least {k} responses since each earlier release, or the "
        "difference between two releases would show what the few people in between "
        "answered. Publish when more people have answered, or wait for the round to close: "
        "the final release is made then and keeps such groups back."
    )


def group_name(round_: Round, q: Questionnaire, cell: CellKey) -> str:
    agencies = {a.agency_id: a.name for a in round_.agencies}
    places = {loc.locality_id: loc.name for loc in round_.localities}
    levels = {level.id: level.name for level in q.levels}
    words = [agencies.get(cell.agency, cell.agency) if cell.agency else "Partnership"]
    if cell.level:
        words.append(levels.get(cell.level, cell.level))
    if cell.locality:
        words.append(places.get(cell.locality, "no locality given"))
    return ", ".join(words)


def ensure_final_release(round_: Round, now: datetime | None = None) -> Release | None:
    """A closed round gets its final release once: the first time anyone looks after it
    closed (or the daily forget-drafts runs)."""
    now = now or utc_now()
    latest = latest_release(round_)
    if round_.state(now) is not RoundState.CLOSED:
        return latest
    if latest is not None and latest.kind == FINAL and latest.published_at >= round_.closes_at:
        return latest
    try:
        return publish_release(round_, now)
    except ReleaseRefused:  # another worker published it first
        db.session.refresh(round_)
        return latest_release(round_)


@dataclass(frozen=True)
class ReleaseSummary:
    """What readers need to know of a release besides its figures."""

    id: int
    number: int
    kind: str
    published_at: datetime
    min_cell_size: int


@dataclass(frozen=True)
class Published:
    """What a reader sees of a round: its latest release."""

    release: ReleaseSummary
    analysis: RoundAnalysis
    comments: tuple[PublishedComment, ...]


class ReleaseCache:
    """Releases never change, so each is read from JSON once per process, and found again
    by the round's latest release number, which the round's own row carries: a reader's
    request costs no query beyond the round it already loaded."""

    def __init__(self, size: int = 16) -> None:
        # By the round's public token, never reused, unlike its id once a round is deleted.
        self._entries: OrderedDict[tuple[str, int, int], Published] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, round_: Round) -> Published | None:
        key = (round_.public_token, round_.latest_release, round_.comments_revision)
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        release = db.session.scalars(
            select(Release).where(
                Release.round_id == round_.id, Release.number == round_.latest_release
            )
        ).first()
        if release is None:
            return None
        entry = Published(
            ReleaseSummary(
                release.id,
                release.number,
                release.kind,
                release.published_at,
                release.min_cell_size,
            ),
            codec.load(release.figures),
            tuple(PublishedComment(**c) for c in json.loads(release.comments)),
        )
        with self._lock:
            self._entries[key] = entry
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return entry


def published(round_: Round) -> Published | None:
    """The round's latest release, or None before its first. A closed round without its
    final release gets it here, on the first look after closing."""
    cache: ReleaseCache = current_app.extensions["release_cache"]
    found = cache.get(round_) if round_.latest_release else None
    if round_.state() is RoundState.CLOSED and not _final(found, round_):
        ensure_final_release(round_)
        found = cache.get(round_) if round_.latest_release else None
    return found


def _final(found: Published | None, round_: Round) -> bool:
    return (
        found is not None
        and found.release.kind == FINAL
        and found.release.published_at >= round_.closes_at
    )


def released_analysis(round_: Round) -> RoundAnalysis | None:
    found = published(round_)
    return found.analysis if found else None


def live_response_counts(round_: Round) -> tuple[ResponseResult, ...]:
    """Responses so far by agency and level, protected: the one figure that moves."""
    k = int(current_app.config["MIN_CELL_SIZE"])
    counts = response_counts(
        RoundFacts.of(round_),
        questionnaire(round_.questionnaire_version),
        k,
        load_tallies(round_.id),
    )
    return tuple(r for r in counts if r.locality is None)


def init_app(app: Flask) -> None:
    app.extensions["release_cache"] = ReleaseCache()
