"""The executive summary, written from the figures in plain English.

Every sentence is built from published figures only (suppressed ones never appear), and
says what a board member needs: where the partnership stands, where managers and
frontline staff see it differently, where information is felt to flow one way, and what
has changed.
"""

from __future__ import annotations

from ..figures import fixed, percent
from .at_a_glance import clear_changes, turnout
from .presentation import Report

# Omega (or alpha, in a release from before omega) below this: statements hang together poorly.
RELIABILITY_LOW = 0.6
ALPHA_SPLIT = 0.15  # management and frontline alphas this far apart read differently
DONT_KNOW_HIGH = 0.15  # a group answering "don't know" this often cannot see a part of it


def _list(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def executive_summary(report: Report) -> list[str]:
    """The summary's sentences in reading order; only one when too few have answered."""
    who = _who_answered(report)
    if who is None:
        return [_too_few(report)]
    sentences = [who, *_where_it_stands(report), _gaps(report)]
    for sentence in (
        _one_way(report),
        _dont_know(report),
        _change(report),
        _read_with_care(report),
    ):
        if sentence:
            sentences.append(sentence)
    return sentences


def _too_few(report: Report) -> str:
    return (
        f"Too few people have answered for {report.scope_label.lower()} to show results "
        f"without risking that someone could be identified: Boundary shows no figure for a "
        f"group of fewer than {report.analysis.min_cell_size} people."
    )


def _who_answered(report: Report) -> str | None:
    """How many answered, and of how many asked; None when the total is not shown."""
    answered = turnout(report)
    if answered is None:
        return None
    text = f"{answered.respondents} people answered"
    if answered.rate is not None:
        text += f", {percent(answered.rate)} of the staff asked"
    if answered.managers is not None and answered.frontline is not None:
        text += f": {answered.managers} managers and {answered.frontline} frontline practitioners"
    return text + "."


def _where_it_stands(report: Report) -> list[str]:
    """Each feature's maturity level, the strongest and weakest, and split views."""
    summaries = [s for s in report.feature_summaries() if s.cell.mean is not None]
    if not summaries:
        return []
    by_level: dict[str, list[str]] = {}
    for s in summaries:
        # "developing (possibly established)": the sentence claims no more than the table.
        level = f"{s.level_name} ({s.possibly})" if s.possibly else s.level_name
        by_level.setdefault(level, []).append(s.feature.name.lower())
    parts = [
        f"{_list(names)} {'is' if len(names) == 1 else 'are'} {level.lower()}"
        for level, names in by_level.items()
    ]
    sentences = [f"For {report.scope_label.lower()}, {'; '.join(parts)}."]
    strongest = max(summaries, key=lambda s: s.cell.mean or 0)
    weakest = min(summaries, key=lambda s: s.cell.mean or 0)
    if strongest is not weakest:
        sentences.append(
            f"The strongest feature is {strongest.feature.name.lower()} "
            f"({fixed(strongest.cell.mean)} out of 5) and the weakest is "
            f"{weakest.feature.name.lower()} ({fixed(weakest.cell.mean)})."
        )
    contested = [s.feature.name.lower() for s in summaries if s.cell.contested]
    if contested:
        sentences.append(
            f"Views on {_list(contested)} are split: at least a quarter of people are "
            "clearly positive and at least a quarter clearly negative, so the average "
            "hides two different experiences."
        )
    return sentences


def _gaps(report: Report) -> str:
    """The largest notable gaps between managers and frontline, or that there are none."""
    notable = [(label, feature, g) for label, feature, g in report.gaps() if g.notable]
    if not notable:
        return (
            "No gap between managers and frontline practitioners is large and certain enough "
            "to count as notable (half a point or more, and unlikely to be chance even "
            "allowing for how many gaps were tested)."
        )
    described = []
    for label, feature, gap in notable[:4]:
        who = "managers" if (gap.gap or 0) > 0 else "frontline staff"
        where = "the partnership as a whole" if label == "Whole partnership" else label
        described.append(
            f"{feature.lower()} in {where} ({who} {fixed(abs(gap.gap or 0), 1)} points higher)"
        )
    return (
        "Managers and frontline practitioners see the partnership differently. The "
        f"largest notable gaps are on {_list(described)}."
    )


def _one_way(report: Report) -> str | None:
    """The largest notable imbalance in how two agencies rate each other's sharing: half a
    point or more, and beyond chance across the release's tests."""
    notable = [(a, b, i) for a, b, i in report.imbalances() if i.notable]
    if not notable:
        return None
    a, b, imbalance = notable[0]
    return (
        f"Information is felt to flow one way between {a} and {b}: {a} staff rate how "
        f"well {b} shares with them at {fixed(imbalance.a_about_b)} out of 5, while {b} "
        f"staff rate {a}'s sharing at {fixed(imbalance.b_about_a)}."
    )


def _dont_know(report: Report) -> str | None:
    """The agency answering "don't know" most often, when that is often."""
    dont_know = [
        (report.group_label(r.agency), r.share_dont_know)
        for r in report.analysis.responses
        if r.level is None
        and r.locality is None
        and r.agency
        and not r.suppressed
        and r.share_dont_know is not None
        and r.share_dont_know >= DONT_KNOW_HIGH
        and report.scope.may_see(r.agency)
    ]
    if not dont_know:
        return None
    name, share = max(dont_know, key=lambda pair: pair[1] or 0)
    return (
        f"Staff of {name} answered ‘don't know’ to {percent(share)} of statements: a sign "
        "that parts of the partnership's work are hidden from them."
    )


def _change(report: Report) -> str | None:
    """Features that clearly (beyond chance) improved or fell back since the earlier round:
    the summary page's rule (at_a_glance.clear_changes), named in the questionnaire's order."""
    if not report.compared_with:
        return None
    order = [f.name for f in report.questionnaire.features]
    moved = sorted(clear_changes(report), key=lambda m: order.index(m.feature))
    if not moved:
        return f"No feature changed clearly (beyond chance) since {report.compared_with}."
    changes = [(m.feature, m.change) for m in moved]
    up = [f.lower() for f, c in changes if (c.change or 0) > 0]
    down = [f.lower() for f, c in changes if (c.change or 0) < 0]
    parts = []
    if up:
        parts.append(f"{_list(up)} improved")
    if down:
        parts.append(f"{_list(down)} fell back")
    return f"Since {report.compared_with}, {' and '.join(parts)}."


def _read_with_care(report: Report) -> str | None:
    """Features whose statements hang together poorly for everyone, judged as the method
    chapter shows reliability: McDonald's omega from every answer given, with pairwise alpha
    beside it. Omega is the judge because alpha assumes every statement measures the feature
    equally well and so understates a scale whose statements do not; complete-case alpha
    would judge a feature by the people who answered every statement, often a quarter fewer
    and not a random quarter. A release published before omega existed has none, and is
    judged by complete-case alpha as it was then."""
    everyone = {
        r.feature: r for r in report.analysis.reliability if r.group is None and not r.suppressed
    }
    pairwise = any(r.omega is not None for r in everyone.values())
    weak = [
        (feature.name.lower(), r)
        for feature in report.questionnaire.features
        if (r := everyone.get(feature.id))
        and (judged := r.omega if pairwise else r.alpha) is not None
        and judged < RELIABILITY_LOW
    ]
    if not weak:
        return None
    names = _list([name for name, _r in weak])
    whose = "its statements do" if len(weak) == 1 else "their statements do"
    if pairwise:
        omegas = _list([fixed(r.omega, 2) for _name, r in weak])
        alphas = _list([fixed(r.alpha_pairwise, 2) for _name, r in weak])
        why = (
            f"from every answer given: McDonald's omega {omegas}, Cronbach's alpha {alphas}; "
            f"below {RELIABILITY_LOW} is weak"
        )
    else:
        why = f"Cronbach's alpha below {RELIABILITY_LOW}"
    return f"Read {names} with care: {whose} not hang together well ({why})."
