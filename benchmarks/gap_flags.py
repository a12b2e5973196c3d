"""How often the release's "notable" flags are false alarms, and how often they find a real gap:
the rule before adjustment beside the adjusted one, on the same simulated rounds.

    .venv/bin/python -m benchmarks.gap_flags [--rounds 200] [--seed 14]

Each simulated round has the demo round's structure (surveys/responses/synthetic.py and the
`demo` command): 360 respondents spread over the ten agencies, three levels and four
localities in the demo's proportions, agencies differing from one another by a random tilt
per feature, each person's answers scattered around their own level as in the demo. The
whole analysis (surveys/analysis/engine.py, suppression included, k = 5) is run on each.

  null     no gap anywhere: managers and frontline staff answer alike in every agency.
           Printed: the share of rounds with ANY notable flag (target: at most 10%), and
           the flags per round.
  planted  as null, but one agency (police) has exactly 20 managers and 40 frontline staff,
           and its managers score 0.8 points higher on one feature (trust). Printed: the
           share of rounds flagging that gap (power; target: at least 80%), and the share
           of rounds with a flag anywhere else.

"before" is the rule until this change: |gap| >= 0.5 and the 95% interval excludes zero.
"after" is the rule now: |gap| >= 0.5 and q <= 0.05, q adjusted by Benjamini-Hochberg
across every difference the release tests. Both are counted over the same published
differences: every feature gap (partnership, agencies, localities) and the statement gaps
listed; "after, all" adds the within-agency gaps, which did not exist before. Partner ratings
are not simulated, so the imbalances are not part of these rounds' families.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from surveys.analysis.engine import analyse
from surveys.analysis.facts import RoundFacts
from surveys.analysis.multiplicity import is_notable_unadjusted
from surveys.analysis.queries import RoundTallies
from surveys.analysis.results import RoundAnalysis
from surveys.questionnaire import Questionnaire
from surveys.questionnaire.loader import load_library
from surveys.responses.synthetic import AGENCY_WEIGHTS, FEATURE_BASE, LEVEL_WEIGHTS
from surveys.scoring.distribution import ItemDistribution
from surveys.scoring.respondent import SCALE_MAX, SCALE_MIN, answer_scoring

RESPONDENTS = 360  # as the demo round (surveys/cli.py, DEMO_RESPONSES)
LOCALITIES = ("north", "south", "east", "west")
K = 5  # the default MIN_CELL_SIZE
PLANTED_AGENCY, PLANTED_FEATURE, PLANTED_GAP = "police", "trust", 0.8
PLANTED_MANAGERS, PLANTED_FRONTLINE = 20, 40


@dataclass(frozen=True)
class Person:
    agency: str
    level: str
    locality: str
    answers: dict[str, int | None]  # item id -> answer as given, None for don't know
    scores: dict[str, int | None]  # item id -> item score (reverse-worded flipped)


def _on_scale(value: float) -> int:
    return max(SCALE_MIN, min(SCALE_MAX, round(value)))


def _person(
    rng: random.Random,
    q: Questionnaire,
    agency: str,
    level: str,
    tilt: dict[tuple[str, str], float],
    lift: dict[tuple[str, str], float],
) -> Person:
    management = level != "frontline"
    answers: dict[str, int | None] = {}
    scores: dict[str, int | None] = {}
    for feature in q.features:
        gap = lift.get((agency, feature.id), 0.0)
        latent = FEATURE_BASE.get(feature.id, 3.2) + tilt[(agency, feature.id)]
        latent += (gap / 2 if management else -gap / 2) + rng.gauss(0, 0.55)
        for item in feature.items:
            if rng.random() < 0.03:
                answers[item.id] = scores[item.id] = None
                continue
            score = _on_scale(latent + rng.gauss(0, 0.6))
            scores[item.id] = score
            answers[item.id] = answer_scoring(score, item.reverse)
    return Person(agency, level, rng.choice(LOCALITIES), answers, scores)


def simulate(rng: random.Random, q: Questionnaire, planted: bool) -> list[Person]:
    agencies = [a.id for a in q.agencies]
    tilt = {(a, f.id): rng.gauss(0, 0.25) for a in agencies for f in q.features}
    lift = {(PLANTED_AGENCY, PLANTED_FEATURE): PLANTED_GAP} if planted else {}
    levels = list(LEVEL_WEIGHTS)
    people = []
    if planted:
        for _ in range(PLANTED_MANAGERS):
            level = rng.choices(["strategic", "operational"], [8, 25])[0]
            people.append(_person(rng, q, PLANTED_AGENCY, level, tilt, lift))
        for _ in range(PLANTED_FRONTLINE):
            people.append(_person(rng, q, PLANTED_AGENCY, "frontline", tilt, lift))
    others = [a for a in agencies if not (planted and a == PLANTED_AGENCY)]
    while len(people) < RESPONDENTS:
        agency = rng.choices(others, [AGENCY_WEIGHTS[a] for a in others])[0]
        level = rng.choices(levels, [LEVEL_WEIGHTS[lv] for lv in levels])[0]
        people.append(_person(rng, q, agency, level, tilt, lift))
    return people


def tallies(q: Questionnaire, people: Sequence[Person]) -> RoundTallies:
    """The tallies the database would hold for these people (surveys/analysis/queries.py)."""
    respondents: Counter[tuple[str, str]] = Counter()
    by_locality: Counter[tuple[str, str]] = Counter()
    features: dict[str, dict[tuple[str, str], Counter[tuple[int, int]]]] = defaultdict(
        lambda: defaultdict(Counter)
    )
    features_by_locality: dict[str, dict[tuple[str, str], Counter[tuple[int, int]]]] = defaultdict(
        lambda: defaultdict(Counter)
    )
    answers: Counter[tuple[str, tuple[str, str], int | None]] = Counter()
    answers_by_locality: Counter[tuple[str, tuple[str, str], int | None]] = Counter()
    for p in people:
        group, place = (p.agency, p.level), (p.level, p.locality)
        respondents[group] += 1
        by_locality[place] += 1
        for feature in q.features:
            given = [p.scores[i.id] for i in feature.items if p.scores[i.id] is not None]
            key = (sum(s for s in given if s is not None), len(given))
            features[feature.id][group][key] += 1
            features_by_locality[feature.id][place][key] += 1
        for item, value in p.answers.items():
            answers[(item, group, value)] += 1
            answers_by_locality[(item, place, value)] += 1

    def items(
        counted: Counter[tuple[str, tuple[str, str], int | None]],
    ) -> dict[str, dict[tuple[str, str], ItemDistribution]]:
        out: dict[str, dict[tuple[str, str], ItemDistribution]] = defaultdict(dict)
        for (item, group, value), n in counted.items():
            one = (
                ItemDistribution(dont_know=n) if value is None else ItemDistribution.of({value: n})
            )
            out[item][group] = out[item].get(group, ItemDistribution()) + one
        return dict(out)

    return RoundTallies(
        respondents=dict(respondents),
        respondents_by_locality=dict(by_locality),
        features={f: {g: dict(c) for g, c in groups.items()} for f, groups in features.items()},
        features_by_locality={
            f: {g: dict(c) for g, c in groups.items()} for f, groups in features_by_locality.items()
        },
        items=items(answers),
        items_by_locality=items(answers_by_locality),
        moments={},
        partners={},
        # As the demo: made-up staff numbers giving response rates of about 60%.
        headcounts={group: round(n / 0.6) + 2 for group, n in respondents.items()},
    )


@dataclass
class Flags:
    before: int = 0  # notable under the unadjusted rule
    after: int = 0  # notable under the adjusted rule, same differences
    after_all: int = 0  # ... and the within-agency gaps


def flags(analysis: RoundAnalysis, skip: tuple[str | None, str] | None = None) -> Flags:
    """Flags over the round's published differences (but the planted gap, if named)."""
    found = Flags()
    for g in analysis.gaps:
        if g.suppressed or g.gap is None or (g.agency, g.feature) == skip:
            continue
        assert g.ci_low is not None and g.ci_high is not None
        found.before += is_notable_unadjusted(g.gap, g.ci_low, g.ci_high)
        found.after += g.notable
    for i in analysis.item_gaps:
        found.before += is_notable_unadjusted(i.gap, i.ci_low, i.ci_high)
        found.after += i.notable
    found.after_all = found.after + sum(w.notable for w in analysis.within_agency_gaps)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=200, help="rounds per scenario")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    q = load_library()["cop-maturity-v1"]
    facts = RoundFacts(
        "simulated",
        "Simulated round",
        q.version,
        datetime(2026, 9, 1, tzinfo=UTC),
        datetime(2026, 10, 1, tzinfo=UTC),
        False,
        tuple((a.id, a.name) for a in q.agencies),
        tuple((loc, loc.title()) for loc in LOCALITIES),
    )
    rng = random.Random(args.seed)
    started = time.perf_counter()
    tests = 0
    null = [
        flags(analyse(facts, q, K, tallies(q, simulate(rng, q, False)))) for _ in range(args.rounds)
    ]
    found_before = found_after = 0
    elsewhere = [Flags() for _ in range(args.rounds)]
    for index in range(args.rounds):
        analysis = analyse(facts, q, K, tallies(q, simulate(rng, q, True)))
        tests = sum(not g.suppressed for g in analysis.gaps)
        planted = analysis.gap(PLANTED_FEATURE, PLANTED_AGENCY)
        if not planted.suppressed and planted.gap is not None:
            assert planted.ci_low is not None and planted.ci_high is not None
            found_before += is_notable_unadjusted(planted.gap, planted.ci_low, planted.ci_high)
            found_after += planted.notable
        elsewhere[index] = flags(analysis, skip=(PLANTED_AGENCY, PLANTED_FEATURE))
    rounds = args.rounds

    def share(values: Sequence[int]) -> str:
        return f"{100 * sum(v > 0 for v in values) / rounds:5.1f}%"

    def mean(values: Sequence[int]) -> str:
        return f"{sum(values) / rounds:5.2f}"

    print(
        f"{rounds} rounds per scenario, {RESPONDENTS} respondents, k = {K}, "
        f"{tests} published feature gaps in the last planted round; "
        f"{time.perf_counter() - started:.0f} s"
    )
    print(f"{'':44}{'before':>10}{'after':>10}{'after, all':>12}")
    rows = [
        (
            "null: rounds with any flag (target <= 10%)",
            [share([getattr(f, a) for f in null]) for a in ("before", "after", "after_all")],
        ),
        (
            "null: flags per round",
            [mean([getattr(f, a) for f in null]) for a in ("before", "after", "after_all")],
        ),
        (
            "planted: 0.8 gap flagged (target >= 80%)",
            [f"{100 * found_before / rounds:5.1f}%", f"{100 * found_after / rounds:5.1f}%", ""],
        ),
        (
            "planted: rounds with a flag elsewhere",
            [share([getattr(f, a) for f in elsewhere]) for a in ("before", "after", "after_all")],
        ),
    ]
    for label, values in rows:
        print(f"{label:44}{values[0]:>10}{values[1]:>10}{values[2]:>12}")
    print(f"ratio of false-alarm rounds, after / before: {_ratio(null)}")


def _ratio(null: Sequence[Flags]) -> str:
    before = sum(f.before > 0 for f in null)
    after = sum(f.after > 0 for f in null)
    return f"{after / before:.2f}" if before else "n/a (no false alarms before)"


if __name__ == "__main__":
    main()
