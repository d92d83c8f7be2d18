"""``limit``/``offset`` pages for every list endpoint (the request's parameters come from
``app.deps.PageDep``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import func
from sqlmodel import Session, SQLModel, select
from sqlmodel.sql.expression import SelectOfScalar

from app.schemas import Page

Row = TypeVar("Row", bound=SQLModel)
Item = TypeVar("Item")
# The largest offset a list accepts: no table holds more rows than ids (PostgreSQL integers),
# and a larger number would not even bind on SQLite.
OFFSET_MAX = 2**31 - 1


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int


def paginate(session: Session, query: SelectOfScalar[Row], params: PageParams) -> Page[Row]:
    """One page of ``query`` (which must be ordered) and the count of all its rows."""
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    items = list(session.exec(query.limit(params.limit).offset(params.offset)).all())
    return Page[Row](items=items, total=total, limit=params.limit, offset=params.offset)


def page_of(items: Sequence[Item], params: PageParams) -> Page[Item]:
    """A page of an in-memory sequence (shipped models and their dimensions)."""
    chosen = list(items[params.offset : params.offset + params.limit])
    return Page[Item](items=chosen, total=len(items), limit=params.limit, offset=params.offset)
