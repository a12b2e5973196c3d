"""The questionnaire as data: versioned TOML files validated into frozen dataclasses.

Imports neither Flask nor SQLAlchemy, so scoring and tests can use it on its own.
"""

from .loader import DEFINITIONS, QuestionnaireError, load_library, load_questionnaire
from .model import (
    AGREE,
    BIPOLAR,
    FRONTLINE,
    KEYINGS,
    LEVEL_GROUPS,
    MANAGEMENT,
    NOT_APPLICABLE_VALUE,
    REVERSE,
    Agency,
    ContextQuestion,
    Feature,
    Item,
    Level,
    LevelGroup,
    MaturityLevel,
    NonAnswer,
    Option,
    PartnerQuestion,
    PartnerSection,
    Questionnaire,
    RubricCell,
    ScalePoint,
)

__all__ = [
    "AGREE",
    "BIPOLAR",
    "DEFINITIONS",
    "FRONTLINE",
    "KEYINGS",
    "LEVEL_GROUPS",
    "MANAGEMENT",
    "NOT_APPLICABLE_VALUE",
    "REVERSE",
    "Agency",
    "ContextQuestion",
    "Feature",
    "Item",
    "Level",
    "LevelGroup",
    "MaturityLevel",
    "NonAnswer",
    "Option",
    "PartnerQuestion",
    "PartnerSection",
    "Questionnaire",
    "QuestionnaireError",
    "RubricCell",
    "ScalePoint",
    "load_library",
    "load_questionnaire",
]
