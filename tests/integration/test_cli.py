"""The `flask --app app ...` commands, through the CLI runner and, for start-up, a real process."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from surveys.database import db
from surveys.questionnaire import Questionnaire
from surveys.responses.models import (
    Answer,
    Comment,
    PartnerRating,
    Submission,
)
from surveys.responses.tallies import FeatureTally
from surveys.rounds.models import Headcount, Round, RoundLocality
from surveys.workshops.models import RoomResponse, WorkshopAction, WorkshopSession
from tests.helpers import (
    PROJECT_ROOT,
    RoundRef,
    count_rows,
    feature_scores_from_answers,
    load_round,
)

MakeRound = Callable[..., RoundRef]


def run(app: Flask, *args: str) -> tuple[int, str, str]:
    result = app.test_cli_runner().invoke(args=list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_questionnaire_show_json_is_the_canonical_definition(app: Flask) -> None:
    code, out, _ = run(app, "questionnaire", "show", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["version"] == "cop-maturity-v1"
    assert [f["id"] for f in data["features"]] == [
        "purpose",
        "trust",
        "exchange",
        "respect",
        "dialogue",
    ]
    assert all(
        {"id", "text", "reverse", "source"} <= set(i) for f in data["features"] for i in f["items"]
    )
    for feature in data["features"]:
        # What a workshop pulse asks, and what its projector offers the room to discuss.
        assert feature["headline_item"] in {i["id"] for i in feature["items"]}
        assert 2 <= len(feature["discussion_prompts"]) <= 3
    assert [s["value"] for s in data["scale"]] == [1, 2, 3, 4, 5]
    assert [(lv["id"], lv["group"]) for lv in data["levels"]] == [
        ("strategic", "management"),
        ("operational", "management"),
        ("frontline", "frontline"),
    ]
    assert set(data["rubric"]["dialogue"]) == {
        "fragmented",
        "emerging",
        "developing",
        "established",
        "embedded",
    }


def test_questionnaire_show_plain_and_unknown_version(app: Flask) -> None:
    code, out, _ = run(app, "questionnaire", "show")
    assert code == 0 and "purpose-1:" in out and "(reverse-worded)" in out
    code, _, err = run(app, "questionnaire", "show", "--version", "nope")
    assert code != 0 and "No questionnaire version 'nope'" in err


def test_create_round_with_defaults_opens_now_for_30_days(app: Flask) -> None:
    code, out, _ = run(app, "create-round", "Autumn 2026 baseline", "--slug", "autumn-2026")
    assert code == 0, out
    assert "Created round 'Autumn 2026 baseline' (autumn-2026), open." in out
    round_ = load_round(app, "autumn-2026")
    assert round_.questionnaire_version == "cop-maturity-v1"
    # It closes at the end of the 30th day from today, London time.
    london = ZoneInfo("Europe/London")
    closes = round_.closes_at.replace(tzinfo=UTC).astimezone(london)
    opened = round_.opens_at.replace(tzinfo=UTC).astimezone(london)
    assert (closes.date() - opened.date()).days == 30
    assert (closes.hour, closes.minute) == (23, 59)
    assert len(round_.public_token) >= 20
    assert f"/r/{round_.public_token}/agency/police" in out
    with app.app_context():
        agencies = [a.agency_id for a in db.session.get(Round, round_.id).agencies]  # type: ignore[union-attr]
    assert agencies[0] == "police" and agencies[-1] == "other" and len(agencies) == 10


def test_create_round_with_options(app: Flask, tmp_path: Path) -> None:
    headcounts = tmp_path / "headcounts.csv"
    headcounts.write_text("agency,level,headcount\npolice,frontline,120\nhealth,strategic,4\n")
    code, out, err = run(
        app,
        "create-round",
        "Spring",
        "--slug",
        "spring-2027",
        "--opens",
        "2027-03-01",
        "--closes",
        "2027-03-31",
        "--agencies",
        "police,health",
        "--locality",
        "North cluster",
        "--locality",
        "South",
        "--headcounts",
        str(headcounts),
    )
    assert code == 0, err
    assert "scheduled" in out
    round_ = load_round(app, "spring-2027")
    # Dates are days in London: 1 March starts at midnight GMT; 31 March ends at 23:59 BST.
    assert round_.opens_at == datetime(2027, 3, 1, 0, 0)
    assert round_.closes_at == datetime(2027, 3, 31, 22, 59)
    page = app.test_client().get(f"/r/{round_.public_token}").get_data(as_text=True)
    assert "You can answer from 1 March 2027 until 11:59pm on 31 March 2027." in page
    with app.app_context():
        localities = db.session.scalars(
            select(RoundLocality.locality_id).where(RoundLocality.round_id == round_.id)
        ).all()
        counts = db.session.execute(
            select(Headcount.agency_id, Headcount.level_id, Headcount.headcount)
        ).all()
    assert localities == ["north-cluster", "south"]
    assert sorted(tuple(c) for c in counts) == [
        ("health", "strategic", 4),
        ("police", "frontline", 120),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Dup", "--slug", "taken"], "There is already a round with the slug 'taken'"),
        (["Bad slug", "--slug", "Not A Slug"], "must be lowercase letters and digits"),
        (
            ["Dates", "--slug", "d", "--opens", "2027-03-10", "--closes", "2027-03-01"],
            "The closing date must be after the opening date",
        ),
        (["Agencies", "--slug", "a", "--agencies", "police,mi5"], "Unknown agency 'mi5'"),
        (["When", "--slug", "w", "--opens", "next tuesday"], "is not a date like 2026-12-31"),
        (
            ["Past", "--slug", "p", "--closes", "2020-01-31"],
            "The closing date 2020-01-31 has already passed",
        ),
    ],
)
def test_create_round_refuses_bad_input_clearly(
    app: Flask, make_round: MakeRound, args: list[str], message: str
) -> None:
    make_round("taken")
    code, out, err = run(app, "create-round", *args)
    assert code != 0
    assert message in out + err
    assert "Traceback" not in out + err


def test_links_prints_public_and_agency_links(app: Flask, make_round: MakeRound) -> None:
    round_ = make_round("linked", agencies=["police", "housing"])
    code, out, _ = run(app, "links", "linked")
    assert code == 0
    assert f"Everyone: http://127.0.0.1:5000/r/{round_.token}\n" in out
    assert f"Housing: http://127.0.0.1:5000/r/{round_.token}/agency/housing" in out
    code, _, err = run(app, "links", "nope")
    assert code != 0 and "No round with the slug 'nope'" in err


def write_csv(
    tmp_path: Path,
    questionnaire: Questionnaire,
    rows: list[dict[str, str]],
    extra: list[str] | None = None,
) -> Path:
    header = ["agency", "level", *[item.id for item in questionnaire.items], *(extra or [])]
    path = tmp_path / "responses.csv"
    with path.open("w", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([row.get(column, "") for column in header] for row in rows)
    return path


def full_row(questionnaire: Questionnaire, **cells: str) -> dict[str, str]:
    return {
        "agency": "police",
        "level": "frontline",
        **{i.id: "3" for i in questionnaire.items},
        **cells,
    }


def test_import_good_file(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, tmp_path: Path
) -> None:
    make_round("paper", localities=("North", "South"))
    rows = [
        full_row(
            questionnaire,
            locality="north",
            co_location="no",
            **{"comment-trust": "Hard to reach anyone, 'at weekends'"},
        ),
        full_row(
            questionnaire,
            agency="health",
            level="strategic",
            **{
                "purpose-1": "DK",
                "purpose-2": "",
                "police/they-share": "2",
                "police/we-share": "dk",
            },
        ),
    ]
    path = write_csv(
        tmp_path,
        questionnaire,
        rows,
        ["locality", "co_location", "comment-trust", "police/they-share", "police/we-share"],
    )
    code, out, err = run(app, "import-responses", "paper", str(path))
    assert code == 0, err
    assert "Imported 2 responses" in out
    assert count_rows(app, Submission, channel="import") == 2
    # one row left purpose-2 empty: not answered, so not stored; DK is stored as None
    assert count_rows(app, Answer) == 2 * len(questionnaire.items) - 1
    assert count_rows(app, Comment) == 1
    with app.app_context():
        scored = db.session.execute(
            select(FeatureTally.feature_id, FeatureTally.respondents, FeatureTally.answered)
        ).all()
        # Both are counted, each in its own group; the second answered 4 of purpose's 6
        # statements 1-5 (one don't know, one left empty).
        assert sorted(s for s in scored if s.feature_id == "purpose") == [
            ("purpose", 1, 4),
            ("purpose", 1, 6),
        ]
        ratings = db.session.execute(select(PartnerRating.question_id, PartnerRating.value)).all()
        assert sorted((r.question_id, r.value) for r in ratings) == [
            ("they-share", 2),
            ("we-share", None),
        ]
        locality = db.session.scalar(
            select(Submission.locality_id).where(Submission.agency_id == "police")
        )
        assert locality == "north"


def test_import_accepts_a_spreadsheet_byte_order_mark_and_blank_lines(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, tmp_path: Path
) -> None:
    make_round("bom")
    path = write_csv(tmp_path, questionnaire, [full_row(questionnaire)])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes() + b",,,\n\n")
    code, out, err = run(app, "import-responses", "bom", str(path))
    assert code == 0, err
    assert count_rows(app, Submission) == 1


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"purpose-3": "7"}, "row 2, column E (purpose-3): '7' is not an answer to purpose-3"),
        ({"agency": "mi5"}, "row 2, column A (agency): 'mi5' is not an agency in this round"),
        ({"level": "boss"}, "row 2, column B (level): 'boss' is not a level"),
        ({"level": ""}, "row 2, column B (level): is empty"),
        ({"purpose-1": "three"}, "row 2, column C (purpose-1): 'three' is not an answer"),
    ],
)
def test_import_bad_values_name_row_column_and_reason_and_import_nothing(
    app: Flask,
    make_round: MakeRound,
    questionnaire: Questionnaire,
    tmp_path: Path,
    cells: dict[str, str],
    expected: str,
) -> None:
    make_round("paper")
    rows = [full_row(questionnaire), full_row(questionnaire), full_row(questionnaire, **cells)]
    rows[0], rows[2] = rows[2], rows[0]  # the bad row first, good rows after it
    path = write_csv(tmp_path, questionnaire, rows)
    code, out, err = run(app, "import-responses", "paper", str(path))
    assert code != 0
    assert f"{path}, {expected}" in err
    assert "Nothing was imported: 1 problem(s)" in err
    assert count_rows(app, Submission) == 0


def test_import_reports_every_bad_row_at_once(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, tmp_path: Path
) -> None:
    make_round("paper", agencies=["police", "health"])
    empty = {i.id: "" for i in questionnaire.items}
    rows = [
        full_row(questionnaire),
        full_row(questionnaire, agency="education"),
        full_row(questionnaire, **empty),
        full_row(questionnaire, **{"trust-2": "0"}),
        full_row(questionnaire, **{"health/they-share": "3", "police/they-share": "4"}),
    ]
    path = write_csv(tmp_path, questionnaire, rows, ["health/they-share", "police/they-share"])
    code, _, err = run(app, "import-responses", "paper", str(path))
    assert code != 0
    assert "row 3, column A (agency): 'education' is not an agency in this round" in err
    assert "row 4: no statement is answered" in err
    assert "row 5, column" in err and "(trust-2): '0' is not an answer" in err
    assert "row 6: rates the respondent's own agency (police) as a partner" in err
    assert "Nothing was imported: 4 problem(s)" in err
    assert count_rows(app, Submission) == 0


@pytest.mark.parametrize(
    ("header_change", "expected"),
    [
        (lambda h: h.replace("purpose-2,", ""), "row 1, column purpose-2: this column is missing"),
        (lambda h: h + ",shoe_size", "row 1, column AI (shoe_size): unknown column"),
        (lambda h: h + ",agency", "row 1, column AI (agency): this column appears twice"),
        (lambda h: h + ",comment-nonsense", "unknown column"),
        (lambda h: h + ",mi5/they-share", "unknown column"),
    ],
)
def test_import_bad_header(
    app: Flask,
    make_round: MakeRound,
    questionnaire: Questionnaire,
    tmp_path: Path,
    header_change: Callable[[str], str],
    expected: str,
) -> None:
    make_round("paper")
    path = write_csv(tmp_path, questionnaire, [full_row(questionnaire)])
    header, rest = path.read_text().split("\n", 1)
    path.write_text(header_change(header) + "\n" + rest)
    code, _, err = run(app, "import-responses", "paper", str(path))
    assert code != 0
    assert expected in err
    assert count_rows(app, Submission) == 0


def test_import_file_problems(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, tmp_path: Path
) -> None:
    make_round("paper")
    code, _, err = run(app, "import-responses", "paper", str(tmp_path / "missing.csv"))
    assert code != 0 and "missing.csv: cannot be read" in err
    latin = tmp_path / "latin.csv"
    latin.write_bytes("agency,level\ncaf\xe9,x\n".encode("latin-1"))
    code, _, err = run(app, "import-responses", "paper", str(latin))
    assert code != 0 and "row 2: column A has a character that is not UTF-8 text" in err
    only_header = write_csv(tmp_path, questionnaire, [])
    code, _, err = run(app, "import-responses", "paper", str(only_header))
    assert code != 0 and "no responses below the header" in err
    code, _, err = run(app, "import-responses", "nope", str(only_header))
    assert code != 0 and "No round with the slug 'nope'" in err


def test_import_uses_the_same_rules_as_the_web_form(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, tmp_path: Path
) -> None:
    """A row the web form would refuse (a partner that is not in the round) is refused too."""
    make_round("paper", agencies=["police", "health"])
    path = write_csv(
        tmp_path,
        questionnaire,
        [full_row(questionnaire, **{"housing/they-share": "3"})],
        ["housing/they-share"],
    )
    code, _, err = run(app, "import-responses", "paper", str(path))
    assert code != 0 and "unknown column" in err


def demo_submissions(app: Flask) -> tuple[int, int]:
    """Responses in the version 1 demo round and in the version 2 one."""
    first, second = (load_round(app, slug).id for slug in ("demo", "demo-v2"))
    return count_rows(app, Submission, round_id=first), count_rows(app, Submission, round_id=second)


def test_demo_builds_a_labelled_round_once(app: Flask) -> None:
    code, out, _ = run(app, "demo")
    assert code == 0
    assert "with 360 synthetic responses" in out
    assert "with 300 synthetic responses and declarations from 3 agencies" in out
    assert count_rows(app, Submission, channel="demo") == 360 + 300
    assert demo_submissions(app) == (360, 300)
    for slug in ("demo", "demo-v2"):
        round_ = load_round(app, slug)
        assert round_.is_demo and "Demo" in round_.name
    code, out, _ = run(app, "demo")
    assert out.count("already exists") == 2
    assert count_rows(app, Submission) == 360 + 300
    code, out, _ = run(app, "demo", "--reset")
    assert code == 0 and demo_submissions(app) == (360, 300) and count_rows(app, Round) == 2
    # One demo workshop, made with the round and again with it, never left behind.
    assert "Created the demo workshop" in out
    assert count_rows(app, WorkshopSession) == 1
    assert count_rows(app, RoomResponse, vote=1) == 36
    assert count_rows(app, WorkshopAction) == 3
    client = app.test_client()
    home = client.get("/").get_data(as_text=True)
    assert "Demo: Autumn 2026 baseline" in home
    start = client.get(f"/r/{load_round(app, 'demo').public_token}").get_data(as_text=True)
    assert "demonstration round" in start


def test_demo_data_has_management_frontline_differences(
    app: Flask, questionnaire: Questionnaire
) -> None:
    run(app, "demo")
    with app.app_context():
        police = [
            s
            for s in feature_scores_from_answers(questionnaire, "dialogue")
            if s.agency == "police"
        ]
    management = [s.score for s in police if s.level != "frontline" and s.score is not None]
    frontline = [s.score for s in police if s.level == "frontline" and s.score is not None]
    assert len(management) >= 5 and len(frontline) >= 5
    assert sum(management) / len(management) - sum(frontline) / len(frontline) > 0.5


def run_process(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, "SECRET_KEY": "test-only", **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_broken_questionnaire_stops_start_up_with_a_clear_message(tmp_path: Path) -> None:
    source = (PROJECT_ROOT / "surveys/questionnaire/definitions/cop-maturity-v1.toml").read_text()
    (tmp_path / "cop-maturity-v1.toml").write_text(
        source.replace('id = "dialogue-4"\n  text', 'id = "dialogue-4"\n  txet')
    )
    result = run_process(
        "questionnaire",
        "show",
        env={"BOUNDARY_QUESTIONNAIRE_DIR": str(tmp_path), "DATABASE_URL": "sqlite://"},
    )
    assert result.returncode != 0
    assert (
        "Boundary cannot start: cop-maturity-v1.toml: feature 'dialogue' > item 'dialogue-4': "
        "'text' is missing" in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_too_small_minimum_group_size_stops_start_up(tmp_path: Path) -> None:
    result = run_process(
        "questionnaire", "show", env={"BOUNDARY_MIN_CELL_SIZE": "2", "DATABASE_URL": "sqlite://"}
    )
    assert result.returncode != 0
    assert "MIN_CELL_SIZE is 2; it must be a whole number of at least 3" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_same_file_is_not_imported_twice_by_mistake(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, tmp_path: Path
) -> None:
    make_round("twice")
    path = write_csv(tmp_path, questionnaire, [full_row(questionnaire), full_row(questionnaire)])
    assert run(app, "import-responses", "twice", str(path))[0] == 0
    code, _, err = run(app, "import-responses", "twice", str(path))
    assert code != 0
    assert "was already imported into 'Test round twice'" in err and "(2 responses)" in err
    assert count_rows(app, Submission) == 2
    code, out, _ = run(app, "import-responses", "twice", str(path), "--again")
    assert code == 0 and count_rows(app, Submission) == 4


def test_importing_into_a_closed_round_says_so(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, tmp_path: Path
) -> None:
    make_round("late", opens_in_days=-20, closes_in_days=-2)
    path = write_csv(tmp_path, questionnaire, [full_row(questionnaire)])
    code, _, err = run(app, "import-responses", "late", str(path))
    assert code == 0
    assert "Note: 'Test round late' is closed; the responses were added to it anyway." in err


def test_import_reads_semicolon_separated_files(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, tmp_path: Path
) -> None:
    """What Excel writes as "CSV" in many European settings."""
    make_round("semi")
    path = write_csv(tmp_path, questionnaire, [full_row(questionnaire)])
    path.write_text(path.read_text().replace(",", ";"))
    code, out, err = run(app, "import-responses", "semi", str(path))
    assert code == 0, err
    assert count_rows(app, Submission) == 1


def test_a_file_not_saved_as_utf8_names_row_column_and_the_fix(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, tmp_path: Path
) -> None:
    make_round("latin")
    path = write_csv(
        tmp_path,
        questionnaire,
        [full_row(questionnaire, **{"comment-trust": "Café £5"})],
        ["comment-trust"],
    )
    path.write_bytes(path.read_text().encode("cp1252"))
    code, _, err = run(app, "import-responses", "latin", str(path))
    assert code != 0
    assert "row 2: column AI has a character that is not UTF-8 text" in err
    assert "CSV UTF-8 (Comma delimited)" in err


def test_a_closed_demo_round_is_reopened(app: Flask) -> None:
    run(app, "demo")
    with app.app_context():
        demo = db.session.scalar(select(Round).where(Round.slug == "demo"))
        assert demo is not None
        demo.close()
        db.session.commit()
    assert "Demo: Autumn 2026 baseline" not in app.test_client().get("/").get_data(as_text=True)
    code, out, _ = run(app, "demo")
    assert "Reopened the demo round" in out
    assert load_round(app, "demo").is_open
    assert demo_submissions(app) == (360, 300)


def test_forget_drafts_clears_closed_rounds_only(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire
) -> None:
    from surveys.responses.models import Draft
    from surveys.responses.service import save_draft

    open_round, closed_round = make_round("open"), make_round("ended")
    with app.app_context():
        for slug in ("open", "ended"):
            live = db.session.scalar(select(Round).where(Round.slug == slug))
            assert live is not None
            save_draft(live, None, {"about": {"agency": "police"}})
        ended = db.session.get(Round, closed_round.id)
        assert ended is not None
        ended.close()
        db.session.commit()
    code, out, _ = run(app, "forget-drafts")
    assert code == 0 and "Deleted 1 unsent drafts from 1 closed rounds." in out
    assert count_rows(app, Draft, round_id=open_round.id) == 1
