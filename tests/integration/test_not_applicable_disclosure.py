"""Attack: "not applicable to my role" must not reveal a small group.

Version 2 publishes, for each statement and group, the share answering "not applicable" beside
the share answering "don't know". Here three housing practitioners (fewer than the minimum
group of 5) all find the exchange statements not applicable to their role: the secret. A
reader holding the whole release combines every table (tests/disclosure.py, which counts the
not-applicable answers as a statistic of their own) and must not work out that count, or
anything else about the three; and the shares must come from the release, not live answers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date

from flask import Flask
from sqlalchemy import select

from surveys.analysis.results import RoundAnalysis
from surveys.database import db
from surveys.library import questionnaire
from surveys.questionnaire import NOT_APPLICABLE_VALUE, Questionnaire
from surveys.releases.service import released_analysis
from surveys.responses.answers import CompletedResponse
from surveys.responses.models import Channel
from surveys.responses.service import record_submissions
from surveys.rounds.models import Round
from tests.disclosure import findings
from tests.helpers import RoundRef, publish

MakeRound = Callable[..., RoundRef]
V2 = "cop-maturity-v2"
AGENCIES = ["police", "health", "education", "housing"]
LEVELS = {"management": ["strategic"], "frontline": ["operational", "practitioner"]}
SECRET = "exchange"  # the feature whose statements housing's three find not applicable


def answers(q: Questionnaire, score: int, not_applicable: set[str]) -> dict[str, int | None]:
    return {
        item.id: NOT_APPLICABLE_VALUE
        if item.feature_id in not_applicable
        else 3
        if item.bipolar
        else (6 - score if item.reverse else score)
        for item in q.items
    }


def people(q: Questionnaire) -> list[CompletedResponse]:
    """Ten managers and ten practitioners in each large agency, two of each agency's
    practitioners finding the exchange statements not applicable too (so the share is not
    zero everywhere but housing); and the three housing practitioners."""
    crowd = []
    for agency in AGENCIES[:3]:
        for n in range(10):
            crowd.append(CompletedResponse(agency, "operational", items=answers(q, 4, set())))
            secret = {SECRET} if n < 2 else set()
            crowd.append(CompletedResponse(agency, "practitioner", items=answers(q, 2, secret)))
    crowd += [CompletedResponse("housing", "practitioner", items=answers(q, 3, {SECRET}))] * 3
    return crowd


def store(app: Flask, slug: str, crowd: list[CompletedResponse]) -> None:
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == slug))
        assert round_ is not None
        record_submissions(round_, questionnaire(V2), crowd, Channel.ONLINE, date.today())
        db.session.commit()


def released(app: Flask, make_round: MakeRound, slug: str) -> tuple[Questionnaire, RoundAnalysis]:
    make_round(slug, agencies=AGENCIES, version=V2)
    with app.app_context():
        q = questionnaire(V2)
    store(app, slug, people(q))
    publish(app, slug)
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == slug))
        assert round_ is not None
        analysis = released_analysis(round_)
        assert analysis is not None
    return q, analysis


def test_the_not_applicable_share_never_reveals_a_small_group(
    app: Flask, make_round: MakeRound
) -> None:
    q, analysis = released(app, make_round, "na-attack")
    crowd = people(q)
    truth: dict[tuple[str, str, str | None], int] = {}
    for response in crowd:
        key = (response.agency_id, response.level_id, None)
        truth[key] = truth.get(key, 0) + 1

    # The reader with every table at once, checked on every set of groups under 5 too.
    assert findings(analysis, LEVELS, 5, members=truth, strict=False) == []

    # Housing's statements publish nothing, and the not-applicable shares that are published
    # are of groups of 5 or more.
    exchange = {item.id for item in q.items if item.feature_id == SECRET}
    housing = [i for i in analysis.items if i.agency == "housing" and i.item in exchange]
    assert housing and all(i.share_not_applicable is None for i in housing)
    assert all(i.suppressed for i in housing if i.level in (None, "frontline", "practitioner"))
    members = {
        (r.agency, r.level, r.locality): r.respondents
        for r in analysis.responses
        if not r.suppressed
    }
    shown = [i for i in analysis.items if not i.suppressed and i.share_not_applicable]
    assert shown  # the attack has something to work with
    for item in shown:
        size = members.get((item.agency, item.level, item.locality))
        assert size is not None and size >= 5, (item, size)

    # The reader's own arithmetic, spelled out: the partnership's practitioners' count of
    # "not applicable" less the three agencies' would be housing's 3 - so the release must
    # not publish all four of those figures.
    def count(agency: str | None) -> float | None:
        for i in analysis.items:
            if (i.agency, i.level, i.locality, i.item) == (
                agency,
                "frontline",
                None,
                "exchange-law",
            ):
                size = members.get((agency, "frontline", None))
                if i.suppressed or i.share_not_applicable is None or size is None:
                    return None
                return i.share_not_applicable * size
        return None

    parts = [count(agency) for agency in [None, *AGENCIES[:3]]]
    assert None in parts, parts


def test_the_reader_finds_a_not_applicable_count_a_careless_release_would_leak(
    app: Flask, make_round: MakeRound
) -> None:
    """The reader is not blind to the new statistic. The release hides education's
    practitioners too (complementary suppression), or the partnership's practitioners less
    police, health and education would be housing's. Publish education's row (its true
    figures) as a build without that would, and the reader finds housing's count of 3."""
    _q, analysis = released(app, make_round, "na-leak")
    education = CellKeyed("education", "practitioner")
    items = [
        dataclasses.replace(
            i,
            suppressed=False,
            n=8,
            share_dont_know=0.0,
            share_not_applicable=0.2,
            distribution=(0.0, 0.8, 0.0, 0.0, 0.0, 0.0),
        )  # fmt: skip
        if education.matches(i) and i.item == "exchange-law"
        else i
        for i in analysis.items
    ]
    responses = [
        dataclasses.replace(r, suppressed=False, respondents=10) if education.matches(r) else r
        for r in analysis.responses
    ]
    doctored = dataclasses.replace(analysis, items=tuple(items), responses=tuple(responses))
    leaked = [
        f
        for f in findings(doctored, LEVELS, 5, strict=False)
        if f.quantity == "answering not applicable" and f.subject == "exchange-law"
    ]
    assert leaked and all(f.value == "3" for f in leaked), leaked
    assert {f.cell for f in leaked} >= {"housing/practitioner"}, leaked


@dataclasses.dataclass(frozen=True)
class CellKeyed:
    agency: str
    level: str

    def matches(self, result: object) -> bool:
        return (
            getattr(result, "agency", None) == self.agency
            and getattr(result, "level", None) == self.level
            and getattr(result, "locality", None) is None
        )
