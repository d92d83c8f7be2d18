"""The coordinator's pages: every region's latest profile side by side, the matching
suggestions with their explanations, and programme-wide assignment runs whose pairs the
coordinator approves or rejects with a note.

Everything is computed by the API's own operations with the signed-in key's rights
(coordinator or admin), so the pages and the API always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from sqlmodel import Session, col, select
from starlette.responses import Response

from app.deps import get_database, get_rate_limits, get_settings
from app.guard import client_address
from app.pagination import PageParams
from app.ratelimits import caller
from app.routers.matching import review_pair
from app.schemas_matching import PairReview, RunCreate
from app.services import matching as matching_service
from app.services.profiles import latest_published, round_results
from app.services.twinnings import twinnings_by_pair
from app.tables import Region, Role
from app.tables_matching import MatchingRun, PairStatus
from app.web.errors import WebError
from app.web.language import N_
from app.web.pages.common import (
    DbSession,
    FormError,
    Models,
    Staff,
    api_rules,
    call,
    prepare,
    redirect,
)
from app.web.sessions import Viewer
from app.web.templating import language_of, render
from assessment import MatchingParams, MaturityModel, Profile

router = APIRouter(prefix="/coordination", dependencies=[Depends(prepare)], include_in_schema=False)


def coordinator(viewer: Viewer) -> Viewer:
    if viewer.staff.role not in (Role.ADMIN, Role.COORDINATOR):
        raise WebError(403, N_("You may not open this page."))
    return viewer


@dataclass(frozen=True)
class RegionColumn:
    region: Region
    profile: Profile | None
    published: str  # the round's label


def charge_matching(request: Request, viewer: Viewer) -> None:
    """Suggestions and runs count against the key's matching rate limit, as over the API."""
    limits = get_rate_limits(request)
    limits.matching.charge(caller(viewer.staff, client_address(request.scope)))


def _regions(session: Session) -> dict[int, Region]:
    rows = session.exec(select(Region).order_by(col(Region.name))).all()
    return {row.id: row for row in rows if row.id is not None}


@router.get("", name="coordination")
def overview(request: Request, session: DbSession, models: Models, viewer: Staff) -> Response:
    coordinator(viewer)
    model: MaturityModel = models.default.localized(language_of(request))
    columns = []
    regions = _regions(session)
    latest = latest_published(session, list(regions))
    names = {region_id: region.name for region_id, region in regions.items()}
    profiles = {
        results.round.region_id: results.profile
        for results in round_results(session, models, list(latest.values()), names)
    }
    for region_id, region in regions.items():
        profile = profiles.get(region_id)
        if profile is not None and profile.model.id != model.id:
            profile = None
        label = latest[region_id].label if region_id in latest else ""
        columns.append(RegionColumn(region, profile, label))
    return render(request, "coordinator/overview.html", {"model": model, "columns": columns})


@router.get("/suggestions", name="suggestions")
def suggestions(
    request: Request,
    session: DbSession,
    models: Models,
    viewer: Staff,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> Response:
    """A page of receiving regions with their best partners and unmet needs, explained."""
    coordinator(viewer)
    model = models.default
    settings = get_settings(request)
    page = PageParams(limit=settings.page_default_limit, offset=offset)
    charge_matching(request, viewer)
    result = call(
        lambda: matching_service.suggestions_page(
            session,
            models,
            model,
            MatchingParams(),
            matching_service.matching_budget(settings),
            page,
        )
    )
    return render(
        request,
        "coordinator/suggestions.html",
        {"model": model.localized(language_of(request)), "result": result},
    )


def _runs(session: Session) -> list[MatchingRun]:
    return list(session.exec(select(MatchingRun).order_by(col(MatchingRun.id).desc())).all())


@router.get("/runs", name="runs")
def runs(request: Request, session: DbSession, viewer: Staff) -> Response:
    coordinator(viewer)
    return render(
        request, "coordinator/runs.html", {"runs": _runs(session), "error": None, "form": {}}
    )


@router.post("/runs", name="create_run")
def new_run(
    request: Request,
    session: DbSession,
    models: Models,
    viewer: Staff,
    capacity: Annotated[str, Form(max_length=10)] = "2",
    min_gap: Annotated[str, Form(max_length=10)] = "1",
) -> Response:
    """Assign partners programme-wide with the given capacity and smallest gap."""
    coordinator(viewer)
    charge_matching(request, viewer)
    try:
        with api_rules(N_("The assignment could not be computed.")):
            body = RunCreate.model_validate(
                {"parameters": {"capacity": capacity, "min_gap": min_gap}}
            )
            run = matching_service.create_run(
                session,
                get_database(request),
                models,
                matching_service.matching_budget(get_settings(request)),
                viewer.staff,
                body,
            )
    except FormError as exc:
        session.rollback()
        form = {"capacity": capacity, "min_gap": min_gap}
        return render(
            request,
            "coordinator/runs.html",
            {"runs": _runs(session), "error": exc, "form": form},
            422,
        )
    return redirect(f"/coordination/runs/{run.id}", "run_created")


@router.get("/runs/{run_id}", name="run")
def run_page(
    request: Request, run_id: int, session: DbSession, models: Models, viewer: Staff
) -> Response:
    """A run's pairs with their reasons and review forms, the partners' load, unmet needs."""
    coordinator(viewer)
    run = call(lambda: matching_service.run_for(session, run_id, viewer.staff))
    detail = matching_service.read_run(session, models, run, viewer.staff)
    model = matching_service.run_model(models, run)
    if model is None:  # the deployment no longer has the run's model
        raise WebError(404, N_("This page does not exist."))
    return render(
        request,
        "coordinator/run.html",
        {
            "run": detail,
            "model": model.localized(language_of(request)),
            "statuses": [status.value for status in PairStatus],
            "twinnings": twinnings_by_pair(session, [pair.id for pair in detail.pairs]),
        },
    )


@router.post("/runs/{run_id}/pairs/{pair_id}", name="review_pair")
def review(
    request: Request,
    run_id: int,
    pair_id: int,
    session: DbSession,
    models: Models,
    viewer: Staff,
    status: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    coordinator(viewer)
    with api_rules(N_("The review could not be saved.")):
        body = PairReview.model_validate({"status": status, "note": note.strip()})
        review_pair(run_id, pair_id, body, viewer.staff, session, models)
    return redirect(f"/coordination/runs/{run_id}", "reviewed", f"pair-{pair_id}")
