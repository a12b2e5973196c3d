"""Reads a questionnaire file and validates it into frozen dataclasses.

Every problem is reported as `FILE: WHERE: PROBLEM`, WHERE naming the feature and
item (or other entry) by id, so a broken file is fixed without reading this code.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn, TypeVar, cast

from .model import (
    BIPOLAR,
    LEVEL_GROUPS,
    NOT_APPLICABLE_ID,
    SHARING_DIRECTIONS,
    Agency,
    ContextQuestion,
    Feature,
    Item,
    Level,
    MaturityLevel,
    NonAnswer,
    Option,
    PartnerQuestion,
    PartnerSection,
    Questionnaire,
    RubricCell,
    ScalePoint,
)

DEFINITIONS = Path(__file__).parent / "definitions"
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SCALE_VALUES = (1, 2, 3, 4, 5)
ITEMS_PER_FEATURE = range(5, 8)
MATURITY_LEVEL_COUNT = 5
CONTEXT_QUESTIONS = ("co_location", "years_in_partnership")

T = TypeVar("T")


class QuestionnaireError(Exception):
    """A questionnaire file that cannot be used, with where and why."""

    def __init__(self, path: Path, where: str, problem: str) -> None:
        self.path, self.where, self.problem = path, where, problem
        location = f"{path.name}: {where}" if where else path.name
        super().__init__(f"{location}: {problem}")


class _Table:
    """One TOML table being read, knowing its place in the file for error messages."""

    def __init__(self, path: Path, where: str, data: object) -> None:
        self.path, self.where = path, where
        if not isinstance(data, dict):
            self.fail("must be a table")
        self.data = cast(dict[str, Any], data)
        self.read: set[str] = set()

    def fail(self, problem: str) -> NoReturn:
        raise QuestionnaireError(self.path, self.where, problem)

    def _get(self, key: str, kind: type[T], kind_name: str) -> T:
        self.read.add(key)
        if key not in self.data:
            self.fail(f"'{key}' is missing")
        value = self.data[key]
        # bool is a subclass of int in Python; a true/false must not pass for a number
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.fail(f"'{key}' must be {kind_name}")
        return value

    def text(self, key: str) -> str:
        value = self._get(key, str, "text").strip()
        if not value:
            self.fail(f"'{key}' is empty")
        return value

    def identifier(self, key: str = "id") -> str:
        value = self.text(key)
        if not ID_PATTERN.match(value):
            self.fail(f"'{key}' {value!r} must be lowercase letters and digits joined by hyphens")
        return value

    def flag(self, key: str) -> bool:
        return self._get(key, bool, "true or false")

    def number(self, key: str) -> int:
        return self._get(key, int, "a whole number")

    def texts(self, key: str) -> tuple[str, ...]:
        values = self._get(key, list, "a list of texts")
        if not all(isinstance(v, str) and v.strip() for v in values):
            self.fail(f"'{key}' must be a list of non-empty texts")
        return tuple(v.strip() for v in values)

    def one_of(self, key: str, allowed: tuple[str, ...]) -> str | None:
        """An optional key whose value must be one of `allowed`; None when it is absent."""
        if key not in self.data:
            self.read.add(key)
            return None
        value = self.text(key)
        if value not in allowed:
            self.fail(f"'{key}' must be one of {', '.join(repr(a) for a in allowed)}")
        return value

    def table(self, key: str, where: str | None = None) -> _Table:
        self.read.add(key)
        if key not in self.data:
            self.fail(f"'{key}' is missing")
        return _Table(self.path, where or self._child(key), self.data[key])

    def tables(self, key: str, label: Callable[[int, dict[str, Any]], str]) -> Iterator[_Table]:
        entries = self._get(key, list, "a list of tables ([[...]])")
        if not entries:
            self.fail(f"'{key}' has no entries")
        for index, entry in enumerate(entries):
            yield _Table(self.path, self._child(label(index, entry)), entry)

    def _child(self, name: str) -> str:
        return f"{self.where} > {name}" if self.where else name

    def done(self) -> None:
        """Unknown keys are errors: a misspelt key would otherwise be silently ignored."""
        unknown = sorted(set(self.data) - self.read)
        if unknown:
            self.fail(f"unknown key '{unknown[0]}'")


def _named(kind: str) -> Callable[[int, dict[str, Any]], str]:
    def label(index: int, entry: dict[str, Any]) -> str:
        entry_id = entry.get("id") if isinstance(entry, dict) else None
        return f"{kind} '{entry_id}'" if isinstance(entry_id, str) else f"{kind} #{index + 1}"

    return label


def _unique(owner: _Table, what: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for value in ids:
        if value in seen:
            owner.fail(f"{what} id '{value}' is used twice")
        seen.add(value)


def _scale(owner: _Table, key: str, kind: str) -> tuple[ScalePoint, ...]:
    points = []
    for entry in owner.tables(key, lambda i, _: f"{kind} point #{i + 1}"):
        points.append(ScalePoint(entry.number("value"), entry.text("label")))
        entry.done()
    if tuple(p.value for p in points) != SCALE_VALUES:
        owner.fail(f"'{key}' must have the values 1, 2, 3, 4, 5 in that order")
    return tuple(points)


def _options(owner: _Table) -> tuple[Option, ...]:
    options = []
    for entry in owner.tables("options", _named("option")):
        options.append(Option(entry.identifier(), entry.text("name")))
        entry.done()
    _unique(owner, "option", [o.id for o in options])
    return tuple(options)


def _levels(root: _Table) -> tuple[Level, ...]:
    levels = []
    for entry in root.tables("levels", _named("level")):
        level_id, name, hint = entry.identifier(), entry.text("name"), entry.text("hint")
        group = entry.text("group")
        if group not in LEVEL_GROUPS:
            entry.fail(f"'group' must be 'management' or 'frontline', not {group!r}")
        levels.append(Level(level_id, name, hint, group))
        entry.done()
    _unique(root, "level", [lv.id for lv in levels])
    for group in LEVEL_GROUPS:
        members = [lv for lv in levels if lv.group == group]
        if not members:
            root.fail(f"no level belongs to the '{group}' group")
        # A group of several levels reports each of them on its own, under the level's id:
        # a level named like its group would share the group's figures' key.
        if len(members) > 1 and any(lv.id == group for lv in members):
            root.fail(
                f"the level '{group}' shares its id with its group, which has other levels too; "
                "give the level an id of its own"
            )
    return tuple(levels)


def _agencies(root: _Table) -> tuple[Agency, ...]:
    agencies = []
    for entry in root.tables("agencies", _named("agency")):
        agencies.append(Agency(entry.identifier(), entry.text("name")))
        entry.done()
    _unique(root, "agency", [a.id for a in agencies])
    return tuple(agencies)


def _context(root: _Table) -> tuple[ContextQuestion, ...]:
    context = root.table("context")
    questions = []
    for question_id in CONTEXT_QUESTIONS:
        entry = context.table(question_id)
        questions.append(
            ContextQuestion(
                question_id, entry.text("question"), entry.text("hint"), _options(entry)
            )
        )
        entry.done()
    context.done()
    return tuple(questions)


def _partners(root: _Table) -> PartnerSection:
    entry = root.table("partners")
    max_choices = entry.number("max_choices")
    if max_choices < 1:
        entry.fail("'max_choices' must be at least 1")
    questions = []
    for q in entry.tables("questions", _named("question")):
        sharing = q.one_of("sharing", SHARING_DIRECTIONS)
        questions.append(PartnerQuestion(q.identifier(), q.text("text"), q.text("error"), sharing))
        q.done()
    _unique(entry, "question", [q.id for q in questions])
    for direction in SHARING_DIRECTIONS:
        if sum(q.sharing == direction for q in questions) > 1:
            entry.fail(f"only one question can have sharing = '{direction}'")
    section = PartnerSection(
        max_choices,
        entry.text("question"),
        entry.text("hint"),
        entry.text("dont_know"),
        _scale(entry, "scale", "partner scale"),
        tuple(questions),
    )
    entry.done()
    return section


def _maturity_levels(root: _Table) -> tuple[MaturityLevel, ...]:
    levels = []
    for rank, entry in enumerate(root.tables("maturity_levels", _named("maturity level")), 1):
        levels.append(
            MaturityLevel(entry.identifier(), entry.text("name"), entry.text("summary"), rank)
        )
        entry.done()
    if len(levels) != MATURITY_LEVEL_COUNT:
        root.fail(f"'maturity_levels' must have {MATURITY_LEVEL_COUNT} levels, not {len(levels)}")
    _unique(root, "maturity level", [m.id for m in levels])
    return tuple(levels)


def _item(entry: _Table, feature_id: str) -> Item:
    """One statement: on the agreement scale (`reverse` says which way it is worded), or
    `scoring = "bipolar"` with its own five `poles`, balance in the middle."""
    item_id, text = entry.identifier(), entry.text("text")
    if entry.one_of("scoring", (BIPOLAR,)) == BIPOLAR:
        if "reverse" in entry.data:
            entry.fail("a bipolar statement takes no 'reverse': its middle answer scores best")
        labels = entry.texts("poles")
        if len(labels) != len(SCALE_VALUES):
            entry.fail(f"'poles' has {len(labels)} answers; a bipolar statement needs 5")
        poles = tuple(ScalePoint(v, label) for v, label in zip(SCALE_VALUES, labels, strict=True))
        item = Item(item_id, feature_id, text, False, entry.text("source"), True, poles)
    else:
        if "poles" in entry.data:
            entry.fail("'poles' is only for a statement with scoring = 'bipolar'")
        item = Item(item_id, feature_id, text, entry.flag("reverse"), entry.text("source"))
    entry.done()
    return item


def _feature(entry: _Table, maturity_levels: tuple[MaturityLevel, ...]) -> Feature:
    feature_id = entry.identifier()
    items = [_item(item_entry, feature_id) for item_entry in entry.tables("items", _named("item"))]
    if len(items) not in ITEMS_PER_FEATURE:
        entry.fail(f"has {len(items)} items; a feature needs 5 to 7")
    if all(item.reverse or item.bipolar for item in items):
        entry.fail("every item is reverse-worded; at least one must be worded positively")

    headline = entry.text("headline_item")
    headline_item = next((item for item in items if item.id == headline), None)
    if headline_item is None:
        entry.fail(f"'headline_item' {headline!r} is not one of this feature's items")
    elif headline_item.reverse or headline_item.bipolar:
        entry.fail(
            f"'headline_item' {headline!r} is "
            f"{'bipolar' if headline_item.bipolar else 'reverse-worded'}; "
            "choose a positive statement"
        )

    prompts = entry.texts("discussion_prompts")
    if not 2 <= len(prompts) <= 3:
        entry.fail(f"'discussion_prompts' has {len(prompts)} prompts; give 2 or 3")

    rubric_table = entry.table("rubric")
    rubric = []
    for level in maturity_levels:
        cell = rubric_table.table(level.id)
        rubric.append(RubricCell(level, cell.text("descriptor"), cell.text("next_step")))
        cell.done()
    rubric_table.done()

    feature = Feature(
        feature_id,
        entry.text("name"),
        entry.text("description"),
        entry.text("comment_label"),
        headline,
        prompts,
        tuple(items),
        tuple(rubric),
    )
    entry.done()
    return feature


def _non_answers(scale: _Table) -> tuple[str | None, NonAnswer | None]:
    """Don't know's meaning and the separate "not applicable to my role", both optional
    (version 1 has one merged answer); when the second is offered, both say what they mean,
    since a respondent must be able to tell them apart."""
    if "not_applicable" not in scale.data:
        meaning = scale.text("dont_know_meaning") if "dont_know_meaning" in scale.data else None
        if "not_applicable_meaning" in scale.data:
            scale.fail("'not_applicable_meaning' is given but 'not_applicable' is missing")
        return meaning, None
    label = scale.text("not_applicable")
    if label.casefold() == scale.text("dont_know").casefold():
        scale.fail("'not_applicable' must read differently from 'dont_know'")
    return scale.text("dont_know_meaning"), NonAnswer(
        NOT_APPLICABLE_ID, label, scale.text("not_applicable_meaning")
    )


def load_questionnaire(path: Path) -> Questionnaire:
    """Read and validate one questionnaire file; raise QuestionnaireError naming the problem."""
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except OSError as error:
        raise QuestionnaireError(path, "", f"cannot be read ({error.strerror})") from None
    except tomllib.TOMLDecodeError as error:
        raise QuestionnaireError(path, "", f"is not valid TOML ({error})") from None

    root = _Table(path, "", data)
    version = root.identifier("version")
    if version != path.stem:
        root.fail(f"'version' {version!r} must match the file name {path.stem!r}")
    scale_table = root.table("scale")
    scale = _scale(scale_table, "points", "scale")
    dont_know = scale_table.text("dont_know")
    dont_know_meaning, not_applicable = _non_answers(scale_table)
    scale_table.done()
    maturity_levels = _maturity_levels(root)
    features = [
        _feature(entry, maturity_levels) for entry in root.tables("features", _named("feature"))
    ]
    _unique(root, "feature", [f.id for f in features])
    _unique(root, "item", [i.id for f in features for i in f.items])

    questionnaire = Questionnaire(
        version=version,
        title=root.text("title"),
        reference=root.text("reference"),
        scale=scale,
        dont_know=dont_know,
        levels=_levels(root),
        agencies=_agencies(root),
        context=_context(root),
        partners=_partners(root),
        maturity_levels=maturity_levels,
        features=tuple(features),
        path=path,
        dont_know_meaning=dont_know_meaning,
        not_applicable=not_applicable,
    )
    root.done()
    return questionnaire


def load_library(directory: Path = DEFINITIONS) -> dict[str, Questionnaire]:
    """Every questionnaire version in a folder, validated; rounds pin one of these by version."""
    library = {}
    for path in sorted(directory.glob("*.toml")):
        questionnaire = load_questionnaire(path)
        library[questionnaire.version] = questionnaire
    if not library:
        raise QuestionnaireError(directory, "", "holds no questionnaire (*.toml) file")
    return library
