"""Stored rows. Scores are validated against the round's maturity model by the library before
they get here; the tables only guarantee identity, uniqueness and references."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Field, SQLModel

from app.text import name_key

# Re-exported: rounds' states are the library's life cycle.
from assessment.lifecycle import RoundStatus as RoundStatus


def utcnow() -> datetime:
    return datetime.now(UTC)


def _timestamp(nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(sa.DateTime(timezone=True), nullable=nullable)


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    MEMBER = "member"


class Region(SQLModel, table=True):
    """An organisation being assessed: a region, municipality, hospital or country."""

    __tablename__ = "regions"
    __table_args__ = (sa.Index("uq_regions_name_key", "name_key", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, sa_column_kwargs={"unique": True})
    name_key: str = Field(default="", max_length=200, description="app.text.name_key(name)")
    country: str = Field(max_length=2, index=True)
    kind: str = Field(max_length=20, index=True)
    parent_id: int | None = Field(default=None, foreign_key="regions.id", index=True)
    public_profile: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class Stakeholder(SQLModel, table=True):
    __tablename__ = "stakeholders"
    __table_args__ = (
        sa.UniqueConstraint("region_id", "name", name="uq_stakeholders_name"),
        sa.Index("uq_stakeholders_name_key", "region_id", "name_key", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    region_id: int = Field(foreign_key="regions.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    name_key: str = Field(default="", max_length=200)
    role: str = Field(max_length=60)


class AssessmentRound(SQLModel, table=True):
    __tablename__ = "rounds"

    id: int | None = Field(default=None, primary_key=True)
    region_id: int = Field(foreign_key="regions.id", index=True)
    label: str = Field(max_length=100)
    model_id: str = Field(max_length=100)
    model_version: str = Field(max_length=50)
    status: str = Field(default=RoundStatus.DRAFT.value, max_length=16, index=True)
    reveal_while_open: bool = Field(
        default=False,
        sa_column_kwargs={"server_default": sa.false()},
        description="ratings readable while the round is open (an open workshop)",
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    published_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class RatingRow(SQLModel, table=True):
    """One stakeholder's rating of one dimension; ``score`` NULL means "don't know"."""

    __tablename__ = "ratings"
    __table_args__ = (
        sa.UniqueConstraint("round_id", "stakeholder_id", "dimension", name="uq_ratings_cell"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", index=True, ondelete="CASCADE")
    stakeholder_id: int = Field(foreign_key="stakeholders.id", index=True)
    dimension: str = Field(max_length=100)
    score: int | None = None
    justification: str = Field(default="", sa_type=sa.Text)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class ConsensusRow(SQLModel, table=True):
    """The workshop's score of one dimension; NULL records that it agreed not to score it."""

    __tablename__ = "consensus_scores"
    __table_args__ = (sa.UniqueConstraint("round_id", "dimension", name="uq_consensus_cell"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", index=True, ondelete="CASCADE")
    dimension: str = Field(max_length=100)
    score: int | None = None
    justification: str = Field(default="", sa_type=sa.Text)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class FlagRow(SQLModel, table=True):
    """Whether the region marks a dimension for improvement (a need) or coaching (an offer)."""

    __tablename__ = "dimension_flags"
    __table_args__ = (sa.UniqueConstraint("round_id", "dimension", name="uq_flags_cell"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", index=True, ondelete="CASCADE")
    dimension: str = Field(max_length=100)
    for_improvement: bool = False
    for_coaching: bool = False


class PublishedProfile(SQLModel, table=True):
    """A published round's profile and group statistics, computed once when it was published.

    A published round is final (its ratings, workshop scores and flags can no longer change),
    so its results are stored instead of re-scored on every read. ``profile`` is the library's
    ``Profile`` and ``group_scores`` its ``GroupScores`` under the default agreement rule
    (null when nobody rated), both as JSON and stamped with the model they were computed
    with. The profile's region name is the one at publishing; readers show the current one.
    """

    __tablename__ = "published_profiles"

    round_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
        )
    )
    model_id: str = Field(max_length=100)
    model_version: str = Field(max_length=50)
    profile: dict[str, Any] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    group_scores: dict[str, Any] | None = Field(
        default=None, sa_column=sa.Column(sa.JSON(none_as_null=True), nullable=True)
    )
    computed_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class ApiKey(SQLModel, table=True):
    """An API key; only the SHA-256 of the token is stored, the token is shown once."""

    __tablename__ = "api_keys"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    prefix: str = Field(max_length=16)
    key_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    role: str = Field(max_length=16)
    region_id: int | None = Field(
        default=None, foreign_key="regions.id", index=True, ondelete="CASCADE"
    )
    stakeholder_id: int | None = Field(
        default=None, foreign_key="stakeholders.id", ondelete="CASCADE"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    revoked_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


def keep_name_key(table: type[SQLModel]) -> None:
    """Store ``name_key(name)`` beside the name on every insert and update through the ORM,
    whoever writes (routers, the demo, commands), so the unique index sees the identity."""

    def set_key(_mapper: object, _connection: object, row: SQLModel) -> None:
        row.name_key = name_key(row.name)  # type: ignore[attr-defined]

    event.listen(table, "before_insert", set_key)
    event.listen(table, "before_update", set_key)


keep_name_key(Region)
keep_name_key(Stakeholder)
