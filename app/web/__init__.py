"""The web application: server-rendered pages for stakeholders (the questionnaire from their
invitation link), facilitators (rounds, links, progress, workshop, profile) and coordinators
(profiles side by side, matching, assignment review), served by the API's own process.

``install(app)`` adds the pages, their static files, error pages and security headers to the
FastAPI app; the API under ``/api/v1`` is unchanged.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.web import errors
from app.web.pages import (
    coordinator,
    facilitator,
    profiles,
    public,
    questionnaire,
    twinnings,
    workshop,
)
from app.web.security import SecurityHeaders, redact_access_log

STATIC_DIR = Path(__file__).resolve().parent / "static"


def install(app: FastAPI) -> None:
    for module in (public, questionnaire, facilitator, workshop, profiles, coordinator, twinnings):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    errors.install(app)
    app.add_middleware(SecurityHeaders)
    redact_access_log()
