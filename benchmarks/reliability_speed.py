"""What omega from every answer and the measurement invariance check cost a release, each
beside the rest of the release's computation in the same run.

    .venv/bin/python -m benchmarks.reliability_speed                    # SQLite, temporary
    .venv/bin/python -m benchmarks.reliability_speed --sizes 1000 10000
    .venv/bin/python -m benchmarks.reliability_speed --database postgresql://postgres@127.0.0.1/test

For each size it builds a round of synthetic responses, then times:
  release      the release's analysis as before this change: tallies read and examined
               (every breakdown, gap, alpha and suppression), no pairwise sums
  + pairwise   the same with the pairwise sums read from the stored answers and omega and
               pairwise alpha worked out (what a release now does); ratio to `release`
  invariance   the invariance check's job: every respondent's item scores read, polychoric
               correlations, and the models fitted (run once: tens of seconds); ratio to
               `+ pairwise`
The first two are the best of several runs.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from benchmarks.analysis_speed import BATCH, best_of
from surveys import create_app
from surveys.analysis.engine import examine
from surveys.analysis.facts import RoundFacts
from surveys.analysis.queries import load_tallies
from surveys.analysis.raw_answers import load_item_scores
from surveys.database import db, upgrade
from surveys.library import current_questionnaire
from surveys.responses.models import Channel
from surveys.responses.service import record_submissions
from surveys.responses.synthetic import synthetic_responses
from surveys.rounds.service import RoundSpec, create_round
from surveys.scoring.invariance import check_invariance

REPEATS = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--database", help="database URL (default: a new SQLite file)")
    parser.add_argument(
        "--without-invariance", action="store_true", help="time only the release's analysis"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'benchmark.sqlite3'}"
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark"}, instance_path=Path(folder)
        )
        with app.app_context():
            upgrade()
            q = current_questionnaire()
            group_of = {level.id: level.group for level in q.levels}
            features = [(f.id, [item.id for item in f.items]) for f in q.features]
            print(f"database: {db.engine.dialect.name}\n")
            print(
                f"{'responses':>10} {'release':>11} {'+ pairwise':>11} {'ratio':>6} "
                f"{'invariance':>11} {'ratio':>6}  outcome"
            )
            for size in args.sizes:
                round_ = create_round(
                    RoundSpec(name=f"Benchmark {size}", slug=f"benchmark-{size}-{time.time_ns()}"),
                    q,
                    30,
                )
                for start in range(0, size, BATCH):
                    batch = synthetic_responses(q, min(BATCH, size - start), seed=start)
                    record_submissions(round_, q, batch, Channel.DEMO, date.today())
                    db.session.commit()
                facts = RoundFacts.of(round_)

                def before(round_id: int = round_.id, facts: RoundFacts = facts) -> object:
                    return examine(facts, q, 5, load_tallies(round_id))

                def now(round_id: int = round_.id, facts: RoundFacts = facts) -> object:
                    return examine(facts, q, 5, load_tallies(round_id, q))

                release, _ = best_of(REPEATS, before)
                pairwise, _ = best_of(REPEATS, now)
                if args.without_invariance:
                    print(
                        f"{size:>10,} {release * 1000:>8.0f} ms {pairwise * 1000:>8.0f} ms "
                        f"{pairwise / release:>6.2f}"
                    )
                    continue
                started = time.perf_counter()
                managers: list[dict[str, int]] = []
                frontline: list[dict[str, int]] = []
                for level, scores in load_item_scores(round_.id, q):
                    group = group_of.get(level)
                    (managers if group == "management" else frontline).append(scores)
                outcome = check_invariance(features, managers, frontline)
                invariance = time.perf_counter() - started
                said = "not run" if not outcome.ran else "holds" if outcome.holds else "fails"
                print(
                    f"{size:>10,} {release * 1000:>8.0f} ms {pairwise * 1000:>8.0f} ms "
                    f"{pairwise / release:>6.2f} {invariance:>9.1f} s "
                    f"{invariance / pairwise:>6.0f}  {said} "
                    f"({len(managers)} managers, {len(frontline)} frontline)"
                )


if __name__ == "__main__":
    main()
