"""The analysis as JSON and CSV: the schema is documented in docs/analysis.md."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, is_dataclass
from typing import Any

from ..figures import rounded
from ..questionnaire import Questionnaire
from ..scoring.invariance import Invariance
from ..spreadsheets import csv_text
from .results import FRONTLINE, MANAGEMENT, ChangeResult, RoundAnalysis

SCHEMA_VERSION = 1
DECIMALS = 4

# Every table of the export, in order: the JSON's lists, the CSV's `table` column and the
# XLSX's sheets are all this list (tests/integration/test_analysis.py checks each format).
TABLES = (
    "cells",
    "sublevel_cells",
    "locality_cells",
    "items",
    "gaps",
    "locality_gaps",
    "within_agency_gaps",
    "item_gaps",
    "reciprocity",
    "partner_ratings",
    "reciprocity_imbalances",
    "sharing_perceptions",
    "reliability",
    "invariance",
    "responses",
    "partnership",
    "agency_weighting",
    "changes",
    "declarations",
    # What the ids in the tables above are called, as the round names them.
    "features",
    "agencies",
    "localities",
)
# In the CSV, a name table's id goes in the column its id is used in elsewhere.
NAMED = {"features": "feature", "agencies": "agency", "localities": "locality"}


def _number(value: Any) -> Any:
    if isinstance(value, float):
        if math.isnan(value):
            return None
        # The rounding rule of every page and PDF (surveys/figures.py), so a figure checked
        # against the report agrees with it.
        return rounded(value, DECIMALS) if math.isfinite(value) else value
    if isinstance(value, dict):
        return {k: _number(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_number(v) for v in value]
    return value


# Said in the invariance table while the release's check is still to be worked out (it runs
# as a job after the release is stored, so an export can come before it).
INVARIANCE_PENDING = (
    "Not yet worked out for this release: the check runs after publication; export again "
    "once the report shows its outcome."
)


def invariance_rows(check: Invariance | None) -> list[dict[str, Any]]:
    """The release's measurement invariance check as rows of one table, every row with the
    same keys (the XLSX sheet takes its columns from the first): the configural model, the
    model with equal loadings, and, when loadings could not be held equal, each feature's
    loadings held equal alone. A check not run, or not yet run, is one row saying why.

    The two groups' sizes are left out: they count people with at least one scored answer,
    which no other published count does, so beside the response counts they would give away
    how many gave none (see scoring.invariance.too_small_reason)."""

    def row(status: str, model: str | None, **figures: Any) -> dict[str, Any]:
        blank = dict.fromkeys(
            ("cfi", "rmsea", "srmr", "statistic", "df", "delta_cfi", "delta_rmsea", "holds")
        )
        record: dict[str, Any] = {
            "status": status,
            "estimator": None if check is None or not check.ran else check.estimator,
            "model": model,
            "feature": None,
            **blank,
            "read_differently": None,
            "reason": None,
        }
        record.update(figures)
        return {key: _number(value) for key, value in record.items()}

    if check is None:
        return [row("pending", None, reason=INVARIANCE_PENDING)]
    if not check.ran or check.configural is None or check.equal_loadings is None:
        return [row("not_run", None, reason=check.reason)]
    configural, equal = check.configural, check.equal_loadings
    rows = [
        row("done", "configural", **asdict(configural)),
        row(
            "done",
            "equal_loadings",
            **asdict(equal),
            delta_cfi=check.delta_cfi,
            delta_rmsea=check.delta_rmsea,
            holds=check.holds,
        ),
    ]
    rows += [
        row(
            "done",
            "equal_loadings_one_feature",
            feature=feature.feature,
            delta_cfi=feature.delta_cfi,
            delta_rmsea=feature.delta_rmsea,
            holds=feature.holds,
            # Usually the features that fail alone; if none does, the one costing most.
            read_differently=feature.feature in check.differing,
        )
        for feature in check.features
    ]
    return rows


def _records(
    results: Iterable[Any], rename: dict[str, str] | None = None, drop: Sequence[str] = ()
) -> list[dict[str, Any]]:
    records = []
    for result in results:
        assert is_dataclass(result) and not isinstance(result, type)
        record = {
            (rename or {}).get(k, k): _number(v) for k, v in asdict(result).items() if k not in drop
        }
        records.append(record)
    return records


def as_json(
    analysis: RoundAnalysis,
    questionnaire: Questionnaire,
    changes: Sequence[ChangeResult] = (),
    *,
    invariance: Invariance | None,
) -> dict[str, Any]:
    """`questionnaire` is the round's: it names the partner question about information
    received, whose ratings both ways make the reciprocity table. `invariance` is the same
    release's measurement invariance check, None while it is still to be worked out (it is
    asked for by keyword so that no caller leaves it out by accident)."""
    info = analysis.round
    received = questionnaire.partners.sharing_question("received")
    main_levels = (None, MANAGEMENT, FRONTLINE)
    cells = [c for c in analysis.cells if c.locality is None]
    # A questionnaire without "not applicable to my role" (version 1) has no such share:
    # leaving the column out keeps its exports exactly as they were.
    unoffered = () if questionnaire.not_applicable else ("share_not_applicable",)
    return {
        "schema_version": SCHEMA_VERSION,
        "round": {
            "slug": info.slug,
            "name": info.name,
            "responses": info.responses,
            "questionnaire_version": info.questionnaire_version,
            "opens_at": info.opens_at.isoformat() + "Z",
            "closes_at": info.closes_at.isoformat() + "Z",
            "is_demo": info.is_demo,
        },
        # Which publication these figures are: they never change within one.
        "release": None
        if info.release is None
        else {
            "number": info.release.number,
            "kind": info.release.kind,
            "published_at": info.release.published_at.isoformat() + "Z",
        },
        "min_cell_size": analysis.min_cell_size,
        "features": [{"id": i, "name": n} for i, n in analysis.features],
        "agencies": [{"id": i, "name": n} for i, n in analysis.agencies],
        "localities": [{"id": i, "name": n} for i, n in analysis.localities],
        "cells": _records((c for c in cells if c.level in main_levels), drop=["locality"]),
        "sublevel_cells": _records(
            (c for c in cells if c.level not in main_levels), drop=["locality"]
        ),
        "locality_cells": _records(
            (c for c in analysis.cells if c.locality is not None), drop=["agency"]
        ),
        "items": _records(analysis.items, drop=unoffered),
        "gaps": _records((g for g in analysis.gaps if g.locality is None), drop=["locality"]),
        "locality_gaps": _records(
            (g for g in analysis.gaps if g.locality is not None), drop=["agency"]
        ),
        "within_agency_gaps": _records(analysis.within_agency_gaps),
        "item_gaps": _records(analysis.item_gaps),
        "reciprocity": _records(
            (p for p in analysis.partners if p.question == received and p.from_agency),
            drop=["question"],
        ),
        "partner_ratings": _records(analysis.partners),
        "reciprocity_imbalances": _records(analysis.imbalances),
        "sharing_perceptions": _records(analysis.sharing_perceptions),
        "reliability": _records(analysis.reliability),
        "invariance": invariance_rows(invariance),
        "responses": _records(analysis.responses, rename={"rate": "response_rate"}, drop=unoffered),
        "partnership": _records(analysis.partnership),
        "agency_weighting": _records(analysis.agency_weighting),
        "changes": _records(changes),
        # Each agency's declaration beside its managers and frontline (suppression as the
        # cells': a staff group not published has no figure here either).
        "declarations": _records(analysis.declarations),
    }


CSV_COLUMNS = [
    "table",
    "agency",
    "level",
    "locality",
    "feature",
    "item",
    "from_agency",
    "to_agency",
    "question",
    "group",
    "model",
    "statistic",
    "value",
    "suppressed",
]
KEY_FIELDS = set(CSV_COLUMNS) | {"suppressed"}


def _long_rows(table: str, records: Iterable[dict[str, Any]]) -> Iterator[list[Any]]:
    for record in records:
        keys = {k: record.get(k) for k in CSV_COLUMNS if k in record}
        suppressed = record.get("suppressed", False)
        for statistic, value in _flat(record):
            if statistic in KEY_FIELDS:
                continue
            row = {
                **keys,
                "table": table,
                "statistic": statistic,
                "value": value,
                "suppressed": suppressed,
            }
            yield [("" if row.get(c) is None else row.get(c)) for c in CSV_COLUMNS]


def _flat(record: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Nested figures become statistic names: item_total:purpose-1, weakening_items."""
    for statistic, value in record.items():
        if isinstance(value, dict):
            for key, inner in value.items():
                yield f"{statistic}:{key}", inner
        elif isinstance(value, list):
            yield statistic, " ".join(str(v) for v in value)
        else:
            yield statistic, value


def as_csv(
    analysis: RoundAnalysis,
    questionnaire: Questionnaire,
    changes: Sequence[ChangeResult] = (),
    *,
    invariance: Invariance | None,
) -> str:
    """Every figure as one row (long format): filter or pivot it in any spreadsheet."""
    data = as_json(analysis, questionnaire, changes, invariance=invariance)
    rows: list[list[Any]] = [CSV_COLUMNS]
    first = {"table": "round", "statistic": "responses", "value": data["round"]["responses"]}
    rows.append([first.get(column, "") for column in CSV_COLUMNS[:-1]] + [False])
    for table in TABLES:
        records = data[table]
        if table in NAMED:
            records = [{NAMED[table]: r["id"], "name": r["name"]} for r in records]
        rows.extend(_long_rows(table, records))
    return csv_text(rows)
