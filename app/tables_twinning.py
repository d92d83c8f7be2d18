"""Stored twinnings: the project a matched pair of regions runs after the match.

A twinning keeps the two published rounds it was set up on (its baseline) and its rationale
as computed then (JSON, never rewritten); local conditions and the effect are computed from
the baseline rounds, the good practice and the receiving region's later rounds when read.
An activity may be shared by several twinnings (a joint knowledge-sharing event), hence the
link table.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.tables import keep_name_key, utcnow
from assessment.twinning import ActionStatus, TwinningStatus


def _timestamp() -> sa.Column[dt.datetime]:
    return sa.Column(sa.DateTime(timezone=True), nullable=False)


def _text() -> Any:
    return Field(default="", sa_type=sa.Text)


class Twinning(SQLModel, table=True):
    __tablename__ = "twinnings"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    aim: str = _text()
    type: str = Field(max_length=16)
    status: str = Field(default=TwinningStatus.PLANNED.value, max_length=16, index=True)
    model_id: str = Field(max_length=100)
    model_version: str = Field(max_length=50)
    receiving_region_id: int = Field(foreign_key="regions.id", index=True)
    transferring_region_id: int = Field(foreign_key="regions.id", index=True)
    receiving_round_id: int = Field(foreign_key="rounds.id")
    transferring_round_id: int = Field(foreign_key="rounds.id")
    focus: list[str] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    practice_id: int | None = Field(
        default=None, foreign_key="good_practices.id", index=True, ondelete="SET NULL"
    )
    matching_pair_id: int | None = Field(
        default=None,
        foreign_key="matching_pairs.id",
        ondelete="SET NULL",
        sa_column_kwargs={"unique": True},
    )
    rationale: dict[str, Any] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    conditions_note: str = _text()
    expected_at_conclusion: str = _text()
    results_at_conclusion: str = _text()
    expected_after_6_months: str = _text()
    results_after_6_months: str = _text()
    expected_after_12_months: str = _text()
    results_after_12_months: str = _text()
    deviations: str = _text()
    worked_well: str = _text()
    needs_attention: str = _text()
    sustainability: str = _text()
    created_by: int | None = Field(default=None, foreign_key="api_keys.id", ondelete="SET NULL")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class TwinningParticipant(SQLModel, table=True):
    """A person taking part (no account needed): receiving, transferring or external side."""

    __tablename__ = "twinning_participants"
    __table_args__ = (
        sa.Index("uq_twinning_participants_name_key", "twinning_id", "name_key", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    twinning_id: int = Field(foreign_key="twinnings.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    name_key: str = Field(default="", max_length=200, description="app.text.name_key(name)")
    role: str = Field(default="", max_length=100)
    side: str = Field(max_length=16)
    organisation: str = Field(default="", max_length=200)


class ConditionNote(SQLModel, table=True):
    """The teams' note on one dimension of the local conditions."""

    __tablename__ = "twinning_condition_notes"
    __table_args__ = (
        sa.UniqueConstraint("twinning_id", "dimension", name="uq_twinning_condition_note"),
    )

    id: int | None = Field(default=None, primary_key=True)
    twinning_id: int = Field(foreign_key="twinnings.id", index=True, ondelete="CASCADE")
    dimension: str = Field(max_length=100)
    note: str = Field(sa_type=sa.Text)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class TwinningActivity(SQLModel, table=True):
    """A study visit, workshop, webinar or event; linked to one or more twinnings."""

    __tablename__ = "twinning_activities"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)
    title: str = Field(max_length=200)
    date: dt.date | None = Field(default=None, index=True)
    format: str = Field(max_length=16)
    host: str = Field(default="", max_length=200)
    location: str = Field(default="", max_length=200)
    participants: list[str] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    notes: str = _text()
    outcomes: str = _text()
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class ActivityLink(SQLModel, table=True):
    __tablename__ = "twinning_activity_links"

    twinning_id: int = Field(foreign_key="twinnings.id", primary_key=True, ondelete="CASCADE")
    activity_id: int = Field(
        foreign_key="twinning_activities.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class ActionRow(SQLModel, table=True):
    """One item of the action plan (theory of change: current -> desired situation)."""

    __tablename__ = "twinning_actions"

    id: int | None = Field(default=None, primary_key=True)
    twinning_id: int = Field(foreign_key="twinnings.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=200)
    category: str | None = Field(default=None, max_length=40)
    dimension: str | None = Field(default=None, max_length=100)
    current_situation: str = _text()
    desired_situation: str = _text()
    outcomes: str = _text()
    activities: str = _text()
    resources: str = _text()
    owner: str = Field(default="", max_length=200)
    due_date: dt.date | None = None
    status: str = Field(default=ActionStatus.PLANNED.value, max_length=16)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=_timestamp())


keep_name_key(TwinningParticipant)
