"""Stored matching runs, their proposed pairs under review, and good practices.

A run keeps the parameters and model it was computed with, so a coordinator can review (and
anyone can reproduce) the proposal long after the profiles changed; and it keeps what it
showed (each pair's reasons, the unmet needs with their conditions, each transferring
region's load), so its explanations never change after the fact. Runs stored before
migration 0008 have no reasons, context or load (null).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.tables import keep_name_key, utcnow


def _timestamp(nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(sa.DateTime(timezone=True), nullable=nullable)


class PairStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"


class MatchingRun(SQLModel, table=True):
    """One whole-programme assignment, with everything needed to reproduce it."""

    __tablename__ = "matching_runs"

    id: int | None = Field(default=None, primary_key=True)
    model_id: str = Field(max_length=100)
    model_version: str = Field(max_length=50)
    parameters: dict[str, Any] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    regions: int = Field(description="profiles matched")
    needs: int
    total_score: float
    unmet: list[dict[str, Any]] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    load: list[dict[str, Any]] | None = Field(
        default=None,
        sa_column=sa.Column(sa.JSON, nullable=True),
        description="per transferring region: region_id, region, capacity, assigned",
    )
    created_by: int | None = Field(
        default=None, foreign_key="api_keys.id", index=True, ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


PAIR_FIGURES = (
    "dimension",
    "receiving_score",
    "transferring_score",
    "gap",
    "similarity",
    "shared_context",
    "score",
    "rank",
    "explanation",
)
"""The figures a stored pair copies from the library's pair (``PairProposal``), and a
twinning's rationale from the stored pair."""


class MatchingPairRow(SQLModel, table=True):
    """A proposed pair of a run; a coordinator approves or rejects it."""

    __tablename__ = "matching_pairs"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="matching_runs.id", index=True, ondelete="CASCADE")
    receiving_region_id: int = Field(foreign_key="regions.id", index=True, ondelete="CASCADE")
    transferring_region_id: int = Field(foreign_key="regions.id", index=True, ondelete="CASCADE")
    dimension: str = Field(max_length=100)
    dimension_name: str | None = Field(default=None, max_length=200)
    receiving_score: int
    transferring_score: int
    gap: int
    similarity: float
    shared_context: int
    score: float
    rank: int
    explanation: str = Field(sa_type=sa.Text)
    reasons: dict[str, Any] | None = Field(
        default=None, sa_column=sa.Column(sa.JSON, nullable=True), description="PairReasons"
    )
    alike: list[dict[str, Any]] | None = Field(
        default=None, sa_column=sa.Column(sa.JSON, nullable=True), description="ContextDimension"
    )
    different: list[dict[str, Any]] | None = Field(
        default=None, sa_column=sa.Column(sa.JSON, nullable=True), description="ContextDimension"
    )
    status: str = Field(default=PairStatus.PROPOSED.value, max_length=16, index=True)
    note: str = Field(default="", sa_type=sa.Text)
    reviewed_by: int | None = Field(default=None, foreign_key="api_keys.id", ondelete="SET NULL")
    reviewed_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class MatchingRunRegion(SQLModel, table=True):
    """A region whose profile a run matched: its members read the run's part about it."""

    __tablename__ = "matching_run_regions"

    run_id: int = Field(foreign_key="matching_runs.id", primary_key=True, ondelete="CASCADE")
    region_id: int = Field(
        foreign_key="regions.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class GoodPracticeRow(SQLModel, table=True):
    """A good practice and the minimum level it needs per dimension of one model."""

    __tablename__ = "good_practices"
    __table_args__ = (sa.Index("uq_good_practices_name_key", "name_key", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, sa_column_kwargs={"unique": True})
    name_key: str = Field(default="", max_length=200, description="app.text.name_key(name)")
    description: str = Field(default="", sa_type=sa.Text)
    transferring_region_id: int | None = Field(
        default=None, foreign_key="regions.id", index=True, ondelete="SET NULL"
    )
    model_id: str = Field(max_length=100)
    model_version: str = Field(max_length=50)
    requirements: dict[str, int] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


keep_name_key(GoodPracticeRow)
