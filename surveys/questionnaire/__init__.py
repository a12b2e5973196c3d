"""The questionnaire as data: versioned TOML files validated into frozen dataclasses.

Imports neither Flask nor SQLAlchemy, so scoring and tests can use it on its own.
"""

from .loader import DEFINITIONS, QuestionnaireError, load_library, load_questionnaire
from .model import (
    FRONTLINE,
    LEVEL_GROUPS,
    MANAGEMENT,
    Agency,
    ContextQuestion,
    Feature,
    Item,
    Level,
    LevelGroup,
    MaturityLevel,
    Option,
    PartnerQuestion,
    PartnerSection,
    Questionnaire,
    RubricCell,
    ScalePoint,
)

__all__ = [
    "DEFINITIONS",
    "FRONTLINE",
    "LEVEL_GROUPS",
    "MANAGEMENT",
    "Agency",
    "ContextQuestion",
    "Feature",
    "Item",
    "Level",
    "LevelGroup",
    "MaturityLevel",
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
