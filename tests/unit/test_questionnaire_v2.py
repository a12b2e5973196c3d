"""Questionnaire version 2: what the review asked of it, the loader's new kinds, and the
statement mapping in docs/questionnaire.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from surveys.questionnaire import (
    AGREE,
    BIPOLAR,
    DEFINITIONS,
    REVERSE,
    QuestionnaireError,
    load_questionnaire,
)

V1 = DEFINITIONS / "cop-maturity-v1.toml"
V2 = DEFINITIONS / "cop-maturity-v2.toml"
MAPPING = Path(__file__).resolve().parents[2] / "docs" / "questionnaire.md"
# Wording that asks managers about their own level, or that only casework can answer.
SELF_RATING = re.compile(r"senior leaders|managers in my agency|\bmanagers\b", re.IGNORECASE)
CASEWORK = re.compile(r"\bcases?\b|case to case", re.IGNORECASE)


def test_version_2_loads_with_five_features_of_five_to_seven_statements() -> None:
    q = load_questionnaire(V2)
    assert q.version == "cop-maturity-v2"
    assert [f.id for f in q.features] == ["purpose", "trust", "exchange", "respect", "dialogue"]
    for feature in q.features:
        assert 5 <= len(feature.items) <= 7, feature.id
        headline = next(i for i in feature.items if i.id == feature.headline_item)
        assert headline.keying == AGREE
    assert len({i.id for i in q.items}) == len(q.items)
    # No statement id is reused from version 1 with another meaning.
    assert not {i.id for i in q.items} & {i.id for i in load_questionnaire(V1).items}


def test_each_feature_has_one_reverse_worded_statement_among_its_agree_disagree_ones() -> None:
    for feature in load_questionnaire(V2).features:
        on_agreement = [i for i in feature.items if i.keying != BIPOLAR]
        assert len(on_agreement) == 6, feature.id
        assert sum(i.keying == REVERSE for i in on_agreement) == 1, feature.id


def test_the_balance_statement_is_bipolar_with_its_own_five_answers() -> None:
    q = load_questionnaire(V2)
    balance = q.item("exchange-balance")
    assert balance is not None and balance.keying == BIPOLAR and not balance.reverse
    assert [p.value for p in balance.poles] == [1, 2, 3, 4, 5]
    assert "about the same" in balance.poles[2].label
    assert [i.id for i in q.items if i.bipolar] == ["exchange-balance"]
    # Version 1's mis-keyed statement was reverse-scored, so the opposite imbalance won.
    assert load_questionnaire(V1).item("exchange-2").keying == REVERSE  # type: ignore[union-attr]


def test_no_statement_asks_managers_about_themselves_or_needs_casework() -> None:
    for item in load_questionnaire(V2).items:
        assert not SELF_RATING.search(item.text), item.id
        assert not CASEWORK.search(item.text), item.id
        assert item.source.startswith("Section '"), item.id


def test_levels_put_only_senior_leaders_in_the_management_group() -> None:
    q = load_questionnaire(V2)
    assert [(lv.id, lv.group) for lv in q.levels] == [
        ("strategic", "management"),
        ("operational", "frontline"),
        ("practitioner", "frontline"),
    ]
    operational = q.level("operational")
    assert operational is not None and "sergeant" in operational.hint
    senior = q.level("strategic")
    assert senior is not None and "director" in senior.hint


def test_the_two_non_answers_are_separate_and_each_says_what_it_means() -> None:
    q = load_questionnaire(V2)
    assert [(n.id, n.label) for n in q.non_answers] == [
        ("dont-know", "Don't know"),
        ("not-applicable", "Not applicable to my role"),
    ]
    assert all(n.meaning for n in q.non_answers)
    assert q.non_answers[0].meaning != q.non_answers[1].meaning
    # Version 1 keeps its one merged answer.
    v1 = load_questionnaire(V1)
    assert v1.not_applicable is None
    assert [n.label for n in v1.non_answers] == ["Don't know / not applicable"]


def test_json_form_gives_each_statements_keying_and_both_non_answers() -> None:
    data = load_questionnaire(V2).as_json()
    assert [n["id"] for n in data["non_answers"]] == ["dont-know", "not-applicable"]
    assert all(n["meaning"] and n["scored"] is False for n in data["non_answers"])
    items = {i["id"]: i for f in data["features"] for i in f["items"]}
    assert items["exchange-balance"]["keying"] == "bipolar"
    assert len(items["exchange-balance"]["poles"]) == 5
    assert items["dialogue-blame"]["keying"] == "reverse"
    assert items["trust-trust-people"]["keying"] == "agree"
    assert "poles" not in items["trust-trust-people"]


def broken(tmp_path: Path, old: str, new: str, source: Path = V2) -> Path:
    text = source.read_text()
    assert old in text, f"{source.name} no longer contains {old!r}"
    path = tmp_path / source.name
    path.write_text(text.replace(old, new, 1))
    return path


BALANCE = "feature 'exchange' > item 'exchange-balance'"


@pytest.mark.parametrize(
    ("old", "new", "where", "problem"),
    [
        (
            'scoring = "bipolar"',
            'scoring = "bipolar"\n  reverse = true',
            BALANCE,
            "a bipolar statement takes no 'reverse'",
        ),
        ('scoring = "bipolar"', 'scoring = "balanced"', BALANCE, "'scoring' must be one of"),
        (
            '    "Gets much more than it gives",\n',
            "",
            BALANCE,
            "'poles' has 4 answers; a bipolar statement needs 5",
        ),
        ('  scoring = "bipolar"\n', "", BALANCE, "'poles' is only for a statement with scoring"),
        ("  poles = [", "  pols = [", BALANCE, "'poles' is missing"),
        (
            'headline_item = "exchange-both-ways"',
            'headline_item = "exchange-balance"',
            "feature 'exchange'",
            "'headline_item' 'exchange-balance' is bipolar",
        ),
        (
            'not_applicable = "Not applicable to my role"',
            'not_applicable = "don\'t KNOW"',
            "scale",
            "'not_applicable' must read differently from 'dont_know'",
        ),
        ("not_applicable_meaning = ", "not_applicable_meening = ", "scale", "is missing"),
        ("dont_know_meaning = ", "dont_know_meening = ", "scale", "'dont_know_meaning' is missing"),
        (
            'not_applicable = "Not applicable to my role"\n',
            "",
            "scale",
            "'not_applicable_meaning' is given but 'not_applicable' is missing",
        ),
    ],
)
def test_broken_version_2_names_file_place_and_problem(
    tmp_path: Path, old: str, new: str, where: str, problem: str
) -> None:
    with pytest.raises(QuestionnaireError) as raised:
        load_questionnaire(broken(tmp_path, old, new))
    message = str(raised.value)
    assert message.startswith("cop-maturity-v2.toml: ")
    assert where in message
    assert problem in message


def test_version_1_may_not_borrow_a_lone_meaning_for_a_missing_second_answer(
    tmp_path: Path,
) -> None:
    path = broken(
        tmp_path,
        "[scale]\n",
        '[scale]\nnot_applicable_meaning = "Not your job."\n',
        source=V1,
    )
    with pytest.raises(QuestionnaireError, match="scale: 'not_applicable_meaning' is given"):
        load_questionnaire(path)


def mapping_rows() -> list[tuple[str, str, str, str]]:
    """The mapping table's rows, as (v1 id or "—", v2 id or "—", change, why)."""
    text = MAPPING.read_text()
    table = text[text.index("| v1 | v2 | change | why |") :]
    rows = []
    for line in table.splitlines()[2:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip().strip("`") for cell in line.strip("|").split("|")]
        assert len(cells) == 4, line
        rows.append((cells[0], cells[1], cells[2], cells[3]))
    return rows


def test_the_mapping_table_covers_every_statement_of_both_versions_once() -> None:
    rows = mapping_rows()
    v1_ids = [i.id for i in load_questionnaire(V1).items]
    v2_ids = [i.id for i in load_questionnaire(V2).items]
    mapped_v1 = [old for old, _, _, _ in rows if old != "—"]
    mapped_v2 = [new for _, new, _, _ in rows if new != "—"]
    assert sorted(mapped_v1) == sorted(v1_ids)  # each v1 statement once, no stray ids
    assert sorted(mapped_v2) == sorted(v2_ids)  # each v2 statement once
    for old, new, change, why in rows:
        assert change in {"kept", "reworded", "re-keyed", "dropped", "new"}, (old, new)
        assert (change == "dropped") == (new == "—"), (old, change)
        assert (change == "new") == (old == "—"), (new, change)
        assert len(why) > 20, (old, new)


def test_the_mapping_says_which_statements_were_re_keyed() -> None:
    re_keyed = {old for old, _, change, _ in mapping_rows() if change == "re-keyed"}
    # The review's keying findings, each answered; respect-5's point (the responsible agency
    # deciding is maturity) moved to a positive statement, dialogue-whose-decision.
    assert {"exchange-2", "purpose-5", "trust-3"} == re_keyed
    v1, v2 = load_questionnaire(V1), load_questionnaire(V2)
    for old, new, change, _ in mapping_rows():
        if change == "re-keyed":
            before, after = v1.item(old), v2.item(new)
            assert before is not None and after is not None
            assert before.keying != after.keying, old
