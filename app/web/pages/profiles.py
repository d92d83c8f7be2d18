"""A region's profile as the pages show it: the radar (inline SVG, the stakeholders' spread
and the previous published round overlaid), the scores with their flags, the history of
published rounds, and the one-page report.

Readable by whoever the API lets read the region's profile: its facilitator, coordinators and
admins (the spread only where the key may read the ratings, as in the API).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session
from starlette.responses import Response

from app.deps import get_rate_limits, get_settings
from app.guard import client_address
from app.pagination import PageParams
from app.routers.charts import ChartQuery, RegionView, chart_inputs, region_view
from app.routers.exports import report_response
from app.routers.profiles import get_region_history
from app.store import get_or_404, published_rounds
from app.tables import Region
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


def _previous(session: Session, models: ModelCatalog, view: RegionView) -> Profile | None:
    """The published round before the shown one, for the radar's "then and now"."""
    earlier = [r for r in published_rounds(session, view.round.region_id) if r.id != view.round.id]
    before = [
        r
        for r in earlier
        if (r.published_at or r.created_at) <= (view.round.published_at or view.round.created_at)
    ]
    if not before:
        return None
    previous = region_view(
        session, models, view.round.region_id, before[-1].id, None, with_ratings=False
    )
    return previous.profile if previous.model.id == view.model.id else None


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
    if not published_rounds(session, region_id) and round_id is None:
        return render(request, "profile.html", {"region": region, "view": None, "history": None})
    view = call(lambda: region_view(session, models, region_id, round_id, viewer.staff))
    model: MaturityModel = view.model.localized(language_of(request))
    overlays = [p for p in [_previous(session, models, view)] if p is not None]
    spec = radar_spec(
        model, [view.profile, *overlays], spread=view.group, language=language_of(request)
    )
    everything = PageParams(limit=get_settings(request).page_max_limit, offset=0)
    history = call(lambda: get_region_history(region_id, viewer.staff, session, models, everything))
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
    address = client_address(request.scope)
    query = ChartQuery(
        region_id, round_id, [], [], None, language_of(request), viewer.staff, address
    )
    inputs = call(lambda: chart_inputs(session, models, query))
    get_rate_limits(request).chart_render(viewer.staff, address)
    response = report_response(inputs)
    response.headers["Content-Security-Policy"] = REPORT_POLICY
    response.headers["Cache-Control"] = "no-store"
    return response
