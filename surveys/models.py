"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from .auth.models import SignInAttempt, User
from .responses.models import (
    Answer,
    Comment,
    Draft,
    FeatureScore,
    ImportRecord,
    PartnerRating,
    Submission,
)
from .responses.tallies import (
    CompleteCaseTally,
    FeatureTally,
    ItemPairTally,
    ItemTally,
    PartnerTally,
    ResponseTally,
)
from .rounds.models import Headcount, Round, RoundAgency, RoundLocality
from .workshops.models import (
    AgreedLevel,
    Ballot,
    RoomAnswer,
    RoomResponse,
    WorkshopAction,
    WorkshopSession,
)

__all__ = [
    "AgreedLevel",
    "Ballot",
    "RoomAnswer",
    "RoomResponse",
    "WorkshopAction",
    "WorkshopSession",
    "Answer",
    "Comment",
    "CompleteCaseTally",
    "FeatureTally",
    "ImportRecord",
    "ItemPairTally",
    "ItemTally",
    "PartnerTally",
    "ResponseTally",
    "SignInAttempt",
    "Draft",
    "FeatureScore",
    "Headcount",
    "PartnerRating",
    "Round",
    "RoundAgency",
    "RoundLocality",
    "Submission",
    "User",
]
