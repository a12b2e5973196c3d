"""People who run the partnership's rounds and read its reports, and their sign-in attempts."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base


class Role(enum.StrEnum):
    ADMIN = "admin"  # users, rounds and agencies, and every report
    MANAGER = "manager"  # every report of the partnership
    AGENCY_LEAD = "agency-lead"  # the partnership overview and their own agency's detail
    FACILITATOR = "facilitator"  # live workshops

    @property
    def label(self) -> str:
        return {
            Role.ADMIN: "Administrator",
            Role.MANAGER: "Partnership manager",
            Role.AGENCY_LEAD: "Agency lead",
            Role.FACILITATOR: "Workshop facilitator",
        }[self]


class User(Base):
    """A member of staff with an account. Respondents never have one."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    agency_id: Mapped[str | None] = mapped_column(String(80))  # for agency leads
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    # Part of every session's id (get_id): raising it ends every session of this account at
    # once, on every worker, whichever cookie a browser or a thief still holds.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    # Flask-Login's user protocol.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}.{self.session_generation}"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


class SignInThrottle(Base):
    """Checked sign-in failures for one key: an account, a known browser or an address.

    Counted with one UPDATE per attempt, before the password is checked, so parallel
    guesses cannot all slip past the count (docs/security.md, "Sign-in back-off")."""

    __tablename__ = "sign_in_throttles"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime | None]
    blocked_until: Mapped[datetime | None]
