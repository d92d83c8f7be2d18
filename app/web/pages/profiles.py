"""A region's profile as the pages show it: the radar (inline SVG, the stakeholders' spread
and the previous published round overlaid), the scores with their flags, the history of
published rounds, and the one-page report.

Readable by whoever the API lets read the region's profile: its facilitator, coordinators and
admins (the spread only where the key may read the ratings, as in the API).
"""

from __future__ import annotations

import datetime

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session
from starlette.responses import Response

from app.deps import get_rate_limits, get_settings
from app.guard import client_address
from app.pagination import PageParams
from app.routers.charts import ChartQuery, chart_plan, shown_round
from app.routers.exports import report_html
from app.routers.profiles import history_of
from app.services.profiles import RoundResults, round_results
from app.store import get_or_404, published_rounds, round_model
from app.tables import AssessmentRound, Region
from app.web.errors import WebError
from app.web.language import N_
from app.web.pages.common import DbSession, Models, Staff, call, prepare
from app.web.radar import radar_view
from app.web.sessions import Viewer
from app.web.templating import language_of, render
from assessment import MaturityModel, ModelCatalog, Profile, radar_spec

router = APIRouter(dependencies=[Depends(prepare)], include_in_schema=False)
REPORT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'"
)


def readable_region(session: Session, viewer: Viewer, region_id: int) -> Region:
    region = call(lambda: get_or_404(session, Region, region_id, "path.region_id"))
    if not viewer.staff.can_read_region(region_id):
        raise WebError(403, N_("You may not open this page."))
    return region


def _previous(
    session: Session, models: ModelCatalog, view: RoundResults, published: list[AssessmentRound]
) -> Profile | None:
    """The published round before the shown one, for the radar's "then and now"."""
    shown = view.round
    before = [
        r
        for r in published
        if r.id != shown.id
        and (r.published_at or r.created_at) <= (shown.published_at or shown.created_at)
    ]
    if not before:
        return None
    previous = round_results(session, models, [before[-1]])[0].profile
    return previous if previous.model.id == view.profile.model.id else None


@router.get("/regions/{region_id}/profile", name="profile")
def profile_page(
    request: Request,
    region_id: int,
    session: DbSession,
    models: Models,
    viewer: Staff,
    round_id: int | None = None,
) -> Response:
    region = readable_region(session, viewer, region_id)
    published = list(published_rounds(session, region_id))
    if not published and round_id is None:
        return render(request, "profile.html", {"region": region, "view": None, "history": None})
    shown = call(lambda: shown_round(session, region_id, round_id, viewer.staff))
    names = {region_id: region.name}
    view = round_results(session, models, [shown.round], names)[0]
    model: MaturityModel = round_model(models, shown.round).localized(language_of(request))
    overlays = [p for p in [_previous(session, models, view, published)] if p is not None]
    spread = view.group if viewer.staff.can_read_region(region_id) else None
    spec = radar_spec(
        model, [view.profile, *overlays], spread=spread, language=language_of(request)
    )
    everything = PageParams(limit=get_settings(request).page_max_limit, offset=0)
    history = history_of(session, models, region_id, published, everything, names)
    return render(
        request,
        "profile.html",
        {
            "region": region,
            "view": view,
            "model": model,
            "radar": radar_view(spec),
            "history": history,
            "can_manage": viewer.staff.can_manage_region(region_id),
        },
    )


@router.get("/regions/{region_id}/report", name="report")
def report(
    request: Request,
    region_id: int,
    session: DbSession,
    models: Models,
    viewer: Staff,
    round_id: int | None = None,
) -> Response:
    """The library's one-page report (self-contained, printable), as the API serves it
    (drawn every time, so it counts against the key's chart rate limit)."""
    readable_region(session, viewer, region_id)
    query = ChartQuery(region_id, round_id, [], [], None, language_of(request))
    settings = get_settings(request)
    plan = call(lambda: chart_plan(session, models, settings, viewer.staff, query))
    get_rate_limits(request).chart_render(viewer.staff, client_address(request.scope))
    today = datetime.datetime.now(datetime.UTC).date()
    response = Response(
        report_html(session, models, plan, today), media_type="text/html; charset=utf-8"
    )
    response.headers["Content-Security-Policy"] = REPORT_POLICY
    response.headers["Cache-Control"] = "no-store"
    return response
