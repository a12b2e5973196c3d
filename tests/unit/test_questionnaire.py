"""The questionnaire file: what it holds, and that a broken file fails with the right message."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys.questionnaire import DEFINITIONS, QuestionnaireError, load_library, load_questionnaire

SHIPPED = DEFINITIONS / "cop-maturity-v1.toml"
FEATURES = ["purpose", "trust", "exchange", "respect", "dialogue"]
AGENCIES = [
    "police",
    "childrens-social-care",
    "health",
    "education",
    "youth-service",
    "third-sector",
    "probation",
    "housing",
    "youth-justice",
    "other",
]


def test_shipped_questionnaire_measures_the_five_features() -> None:
    q = load_questionnaire(SHIPPED)
    assert q.version == "cop-maturity-v1"
    assert [f.id for f in q.features] == FEATURES
    for feature in q.features:
        assert 5 <= len(feature.items) <= 7
        assert any(item.reverse for item in feature.items), feature.id
        assert all(item.source and item.text for item in feature.items)
        assert [cell.level.id for cell in feature.rubric] == [
            "fragmented",
            "emerging",
            "developing",
            "established",
            "embedded",
        ]
        assert all(cell.descriptor and cell.next_step for cell in feature.rubric)
        headline = next(i for i in feature.items if i.id == feature.headline_item)
        assert not headline.reverse
        assert 2 <= len(feature.discussion_prompts) <= 3
    assert len({item.id for item in q.items}) == len(q.items)


def test_shipped_questionnaire_has_the_agreed_ids_and_scale() -> None:
    q = load_questionnaire(SHIPPED)
    assert [a.id for a in q.agencies] == AGENCIES
    assert [(lv.id, lv.group) for lv in q.levels] == [
        ("strategic", "management"),
        ("operational", "management"),
        ("frontline", "frontline"),
    ]
    assert [p.value for p in q.scale] == [1, 2, 3, 4, 5]
    assert q.scale[0].label == "Strongly disagree" and q.scale[-1].label == "Strongly agree"
    assert q.dont_know == "Don't know / not applicable"
    assert q.partners.max_choices == 4
    assert [question.id for question in q.partners.questions] == [
        "they-share",
        "we-share",
        "understand-role",
    ]
    assert [c.id for c in q.context] == ["co_location", "years_in_partnership"]


def test_json_form_has_the_canonical_keys() -> None:
    data = load_questionnaire(SHIPPED).as_json()
    assert data["version"] == "cop-maturity-v1"
    item = data["features"][0]["items"][0]
    assert set(item) == {"id", "text", "reverse", "keying", "source"}
    assert item["keying"] == "agree"
    assert isinstance(item["reverse"], bool)
    assert data["scale"][0] == {"value": 1, "label": "Strongly disagree"}
    assert {"id": "frontline", "name": "Frontline practitioner"}.items() <= data["levels"][
        2
    ].items()
    assert data["levels"][2]["group"] == "frontline"
    assert set(data["rubric"]) == set(FEATURES)
    assert set(data["rubric"]["trust"]["embedded"]) == {"name", "descriptor", "next_step"}


def broken(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    text = SHIPPED.read_text()
    assert old in text, f"the shipped file no longer contains {old!r}"
    path = tmp_path / SHIPPED.name
    path.write_text(text.replace(old, new, count))
    return path


@pytest.mark.parametrize(
    ("old", "new", "where", "problem"),
    [
        ('id = "trust-3"\n  text', 'id = "trust-2"\n  text', "", "item id 'trust-2' is used twice"),
        (
            'in another agency."\n  reverse = true',
            'in another agency."\n  reverse = "yes"',
            "feature 'trust' > item 'trust-3'",
            "'reverse' must be true or false",
        ),
        (
            'headline_item = "exchange-1"',
            'headline_item = "exchange-2"',
            "feature 'exchange'",
            "'headline_item' 'exchange-2' is reverse-worded",
        ),
        (
            'headline_item = "respect-1"',
            'headline_item = "respect-99"',
            "feature 'respect'",
            "'headline_item' 'respect-99' is not one of this feature's items",
        ),
        (
            "[features.rubric.developing]",
            "[features.rubric.developping]",
            "feature 'purpose' > rubric",
            "'developing' is missing",
        ),
        (
            'value = 3\nlabel = "Neither',
            'value = 7\nlabel = "Neither',
            "scale",
            "'points' must have the values 1, 2, 3, 4, 5 in that order",
        ),
        (
            'group = "frontline"',
            'group = "front"',
            "level 'frontline'",
            "'group' must be 'management' or 'frontline'",
        ),
        (  # two frontline levels, one of them named like the group: their figures would clash
            'who supervises others."\ngroup = "management"',
            'who supervises others."\ngroup = "frontline"',
            "",
            "the level 'frontline' shares its id with its group, which has other levels too",
        ),
        (
            'id = "purpose-1"\n  text',
            'id = "Purpose One"\n  text',
            "feature 'purpose' > item 'Purpose One'",
            "must be lowercase letters and digits joined by hyphens",
        ),
        (
            'version = "cop-maturity-v1"',
            'version = "cop-maturity-v2"',
            "",
            "'version' 'cop-maturity-v2' must match the file name",
        ),
        ("source = ", "sauce = ", "feature 'purpose' > item 'purpose-1'", "'source' is missing"),
        (
            'error = "select how well this agency shares information with yours"',
            'eror = "select how well this agency shares information with yours"',
            "partners > question 'they-share'",
            "'error' is missing",
        ),
        ("max_choices = 4", "max_choices = 0", "partners", "'max_choices' must be at least 1"),
        (
            'sharing = "given"',
            'sharing = "sent"',
            "partners > question 'we-share'",
            "'sharing' must be one of 'received', 'given'",
        ),
        (
            'sharing = "given"',
            'sharing = "received"',
            "partners",
            "only one question can have sharing = 'received'",
        ),
    ],
)
def test_broken_file_names_file_place_and_problem(
    tmp_path: Path, old: str, new: str, where: str, problem: str
) -> None:
    path = broken(tmp_path, old, new)
    with pytest.raises(QuestionnaireError) as raised:
        load_questionnaire(path)
    message = str(raised.value)
    assert message.startswith("cop-maturity-v1.toml: ")
    assert where in message
    assert problem in message


def test_a_feature_with_too_few_items_is_refused(tmp_path: Path) -> None:
    text = SHIPPED.read_text()
    start = text.index('id = "purpose-2"')
    end = text.index('id = "purpose-6"')
    path = tmp_path / SHIPPED.name
    path.write_text(text[:start] + text[end:])
    with pytest.raises(
        QuestionnaireError, match="feature 'purpose': has 2 items; a feature needs 5 to 7"
    ):
        load_questionnaire(path)


def test_unknown_keys_are_refused_so_typos_are_caught(tmp_path: Path) -> None:
    path = broken(
        tmp_path, "reverse = false\n  source", "reverse = false\n  revrese = true\n  source"
    )
    with pytest.raises(QuestionnaireError, match="item 'purpose-1': unknown key 'revrese'"):
        load_questionnaire(path)


def test_invalid_toml_names_the_file_and_line(tmp_path: Path) -> None:
    path = broken(tmp_path, 'title = "Working across boundaries"', 'title = "Working across')
    with pytest.raises(
        QuestionnaireError, match=r"cop-maturity-v1.toml: is not valid TOML \(.*line 7"
    ):
        load_questionnaire(path)


def test_an_empty_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(QuestionnaireError, match="holds no questionnaire"):
        load_library(tmp_path)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(QuestionnaireError, match="cannot be read"):
        load_questionnaire(tmp_path / "cop-maturity-v9.toml")
