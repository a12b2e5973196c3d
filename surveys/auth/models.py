"""People who run the partnership's rounds and read its reports, and their sign-in attempts."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, String
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
        return str(self.id)

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


class SignInAttempt(Base):
    """A failed sign-in, kept for a short while so guessing can be slowed down across workers."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        Index("ix_sign_in_attempts_email_at", "email", "attempted_at"),
        Index("ix_sign_in_attempts_address_at", "address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime]
