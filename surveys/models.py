"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from .audit import AuditEvent, Download
from .auth.models import SignInThrottle, User
from .comments.models import CommentModeration
from .invitations.models import CodesIssued, InvitationCode
from .releases.models import Release
from .reporting.models import StoredReport
from .responses.models import (
    Answer,
    Comment,
    Draft,
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
from .rounds.actions import WorkshopAction
from .rounds.declarations import AgencyDeclaration, DeclaredAnswer
from .rounds.models import Headcount, Round, RoundAgency, RoundLocality
from .rounds.short_codes import SurveyCode
from .workshops.models import (
    AgreedLevel,
    Ballot,
    RoomAnswer,
    RoomResponse,
    WorkshopSession,
)

__all__ = [
    "AgencyDeclaration",
    "DeclaredAnswer",
    "AgreedLevel",
    "CodesIssued",
    "InvitationCode",
    "SurveyCode",
    "Ballot",
    "RoomAnswer",
    "RoomResponse",
    "WorkshopAction",
    "WorkshopSession",
    "Answer",
    "Comment",
    "CommentModeration",
    "CompleteCaseTally",
    "FeatureTally",
    "ImportRecord",
    "ItemPairTally",
    "ItemTally",
    "PartnerTally",
    "ResponseTally",
    "SignInThrottle",
    "AuditEvent",
    "Download",
    "Draft",
    "Headcount",
    "PartnerRating",
    "Release",
    "Round",
    "StoredReport",
    "RoundAgency",
    "RoundLocality",
    "Submission",
    "User",
]
