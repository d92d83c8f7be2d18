"""Signed-in browsers, kept server-side.

A session is a random id in an HttpOnly, SameSite=Lax cookie (``Secure`` over https); the
database keeps only its SHA-256, beside what it is bound to (an API key for staff, an
invitation for a stakeholder) and its CSRF token. Server-side rather than signed cookies
because a session must end when its key or invitation is revoked and when its owner signs
out, at once and on every worker, and because the service then needs no signing secret to
configure, rotate and share between containers.

A session ends after ``web_session_idle_minutes`` without requests or
``web_session_max_hours`` after it began, whichever comes first (``Settings``).
``last_seen_at`` is written at most every ``TOUCH_EVERY`` in its own short transaction, so
reading a page does not take the database's write lock.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from fastapi import Request, Response
from sqlmodel import Session, col, delete, select

from app.auth import Principal, hash_token, principal_of
from app.db import Database
from app.services.invitations import InvitationState, aware, state_of
from app.settings import Settings
from app.tables import ApiKey, utcnow
from app.tables_web import Invitation, SessionKind, WebSession

SESSION_COOKIE = "tw_session"
TOUCH_EVERY = timedelta(minutes=5)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Viewer:
    """Who the browser is: staff (with the key's rights) or one stakeholder in one round."""

    session_id: int
    csrf_token: str
    kind: SessionKind
    principal: Principal | None = None
    invitation: Invitation | None = None

    @property
    def staff(self) -> Principal:
        assert self.principal is not None
        return self.principal

    @property
    def stakeholder_id(self) -> int:
        assert self.invitation is not None
        return self.invitation.stakeholder_id

    @property
    def round_id(self) -> int:
        assert self.invitation is not None
        return self.invitation.round_id


def start_session(
    session: Session,
    request: Request,
    response: Response,
    *,
    key_id: int | None = None,
    invitation_id: int | None = None,
) -> None:
    """Store a new session for a key or an invitation and set its cookie; the caller commits.
    Any session the browser had before is ended, and expired sessions are cleared away."""
    end_session(session, request, response)
    max_age = timedelta(hours=_settings(request).web_session_max_hours)
    now = utcnow()
    session.exec(delete(WebSession).where(col(WebSession.expires_at) < now))
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            session_hash=hash_token(token),
            kind=(SessionKind.STAFF if key_id is not None else SessionKind.STAKEHOLDER).value,
            key_id=key_id,
            invitation_id=invitation_id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + max_age,
        )
    )
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(max_age.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def end_session(session: Session, request: Request, response: Response) -> None:
    """Forget the browser's session here and in the browser; the caller commits."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        session.exec(delete(WebSession).where(col(WebSession.session_hash) == hash_token(token)))
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def load_viewer(session: Session, request: Request) -> Viewer | None:
    """The browser's live session, or None (no cookie, unknown, expired, or what it was bound
    to is revoked or expired)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    row = session.exec(
        select(WebSession).where(WebSession.session_hash == hash_token(token))
    ).first()
    if row is None or row.id is None:
        return None
    now = utcnow()
    idle = timedelta(minutes=_settings(request).web_session_idle_minutes)
    if aware(row.expires_at) <= now or now - aware(row.last_seen_at) > idle:
        return None
    viewer = _bound(session, row)
    if viewer is not None and now - aware(row.last_seen_at) > TOUCH_EVERY:
        if request.method in READ_METHODS:
            _touch(request.app.state.database, row.id)
        else:  # the request holds the write lock already: stamp in its own transaction
            row.last_seen_at = now
            session.add(row)
    return viewer


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _bound(session: Session, row: WebSession) -> Viewer | None:
    assert row.id is not None
    kind = SessionKind(row.kind)
    if kind is SessionKind.STAFF:
        key = session.get(ApiKey, row.key_id) if row.key_id is not None else None
        principal = principal_of(key) if key is not None else None
        if principal is None:
            return None
        return Viewer(row.id, row.csrf_token, kind, principal=principal)
    invitation = session.get(Invitation, row.invitation_id) if row.invitation_id else None
    if invitation is None or state_of(invitation) is not InvitationState.ACTIVE:
        return None
    return Viewer(row.id, row.csrf_token, kind, invitation=invitation)


def _touch(database: Database, session_id: int) -> None:
    with database.session(write=True) as writer:
        row = writer.get(WebSession, session_id)
        if row is not None:
            row.last_seen_at = utcnow()
            writer.add(row)
            writer.commit()
