"""Downloads: a round's ratings and a region's profile as CSV or JSON, and the one-page report.

Access is that of the matching reads: ratings need a key that can read the round's region
(as ``/rounds/{id}/ratings``); profiles follow ``/regions/{id}/profile`` (public regions'
published profiles need no key); the report shows the stakeholders' ratings and
justifications only to keys that can read the region.

Profiles and the report carry ETags computed before anything is loaded (``app.etags``), so
revalidating them is cheap; published profiles are read as stored at publishing.
"""

from __future__ import annotations

import datetime
from enum import StrEnum

from fastapi import APIRouter, Query, Request, Response
from sqlmodel import Session

from app.deps import (
    ExportPageDep,
    ModelsDep,
    OptionalPrincipalDep,
    PrincipalDep,
    SessionDep,
)
from app.etags import (
    NOT_MODIFIED_RESPONSE,
    cache_headers,
    make_etag,
    model_digest,
    not_modified,
)
from app.language import Language
from app.problems import ApiProblem, problem_responses
from app.routers.charts import (
    ChartHead,
    ChartPlan,
    ChartRequest,
    ChartRequestDep,
    SpreadParam,
    chart_content,
    shown_round,
)
from app.routers.rounds import readable_round
from app.routing import ApiRoute
from app.schemas import Id
from app.services.profiles import people_digest, round_results, round_stamps
from app.services.rounds import ensure_may_see_ratings
from app.store import raters, rating_matrix, round_model
from assessment import (
    ModelCatalog,
    profile_to_csv,
    profile_to_json,
    ratings_to_csv,
    ratings_to_json,
    render_report,
)

router = APIRouter(
    route_class=ApiRoute, tags=["exports"], responses=problem_responses(401, 403, 404, 422)
)


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


MEDIA_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.JSON: "application/json",
}
_FILE_CONTENT = {
    200: {
        "description": "The file, as an attachment",
        "content": {"text/csv": {"schema": {"type": "string"}}, "application/json": {}},
    }
}


def _download(text: str, fmt: ExportFormat, filename: str, headers: dict[str, str]) -> Response:
    return Response(
        text.encode("utf-8"),
        media_type=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{filename}.{fmt.value}"',
            **headers,
        },
    )


@router.get(
    "/rounds/{round_id}/ratings.{fmt}",
    summary="A round's ratings as CSV (long form, re-importable) or JSON",
    response_class=Response,
    responses={**_FILE_CONTENT, **problem_responses(409)},  # type: ignore[dict-item]
)
def export_ratings(
    round_id: Id,
    fmt: ExportFormat,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    models: ModelsDep,
    page: ExportPageDep,
) -> Response:
    """CSV columns ``rater_id,rater,dimension,score,justification``, "don't know" as an empty
    score; text cells starting with ``= + - @`` get a leading ``'`` so spreadsheets do not run
    them. Hidden while the round is open (403), unless the round reveals its ratings.

    Paginated by rater (``limit`` raters from ``offset``, the largest page by default), so
    every page is a whole, re-importable file of whole raters; ``X-Total-Count`` counts the
    raters and ``Link: <...>; rel="next"`` points to the next page while there is one."""
    round_ = readable_round(session, round_id, principal)
    ensure_may_see_ratings(principal, round_)
    people, total = raters(session, round_.id, page)
    if total == 0:
        raise ApiProblem(409, "nobody has rated in this round yet", field="path.round_id")
    matrix = rating_matrix(session, models, round_, people) if people else None
    if matrix is None:
        raise ApiProblem(
            404,
            f"the round has {total} raters: none from offset {page.offset}",
            field="query.offset",
        )
    text = ratings_to_csv(matrix) if fmt is ExportFormat.CSV else ratings_to_json(matrix)
    response = _download(text, fmt, f"round-{round_id}-ratings", cache_headers(public=False))
    response.headers["X-Total-Count"] = str(total)
    following = page.offset + page.limit
    if following < total:
        url = request.url.include_query_params(offset=following, limit=page.limit)
        response.headers["Link"] = f'<{url}>; rel="next"'
    return response


@router.get(
    "/regions/{region_id}/profile.{fmt}",
    summary="A region's profile (latest published, or ?round_id=) as CSV or JSON",
    response_class=Response,
    responses={**_FILE_CONTENT, **NOT_MODIFIED_RESPONSE},  # type: ignore[dict-item]
)
def export_profile(
    region_id: Id,
    fmt: ExportFormat,
    request: Request,
    principal: OptionalPrincipalDep,
    session: SessionDep,
    models: ModelsDep,
    language: Language,  # after the key: an unknown key is 401 whatever ?lang= says
    round_id: Id | None = Query(None, description="default: the latest published round"),
) -> Response:
    """Stamped with the model id and version (the first two CSV columns); the CSV's
    dimension names are in the asked language."""
    shown = shown_round(session, region_id, round_id, principal)
    round_ = shown.round
    assert round_.id is not None
    model = round_model(models, round_)
    stamp = round_stamps(session, [round_])[round_.id]
    words = [language, model_digest(model)] if fmt is ExportFormat.CSV else []
    etag = make_etag(f"profile.{fmt.value}", [round_.id, stamp, shown.region.name, *words])
    headers = {
        "ETag": etag,
        **cache_headers(shown.public, language if fmt is ExportFormat.CSV else None),
    }
    if (unchanged := not_modified(request, etag, headers)) is not None:
        return unchanged
    names = {region_id: shown.region.name}
    profile = round_results(session, models, [round_], names)[0].profile
    name = f"region-{region_id}-round-{round_.id}-profile"
    if fmt is ExportFormat.JSON:
        return _download(profile_to_json(profile), fmt, name, headers)
    return _download(profile_to_csv(profile, model.localized(language)), fmt, name, headers)


@router.get(
    "/regions/{region_id}/report.html",
    summary="One-page HTML report: radar, scores, spread and justifications",
    response_class=Response,
    responses={
        200: {"description": "Self-contained HTML page", "content": {"text/html": {}}},
        **NOT_MODIFIED_RESPONSE,
    },
)
def export_report(request: Request, chart: ChartRequestDep) -> Response:
    """Takes the chart's parameters (``round_id``, ``rounds``, ``compare``; ``spread`` picks
    minmax or iqr). The spread and the stakeholders' justifications are shown to keys that can
    read the region's ratings, whatever ``spread`` says, since they are half of the report.
    A report not revalidated draws its chart, so it counts against the chart rate limits."""
    today = datetime.datetime.now(datetime.UTC).date()
    with chart.database.session() as session:
        plan = chart.plan(session)
        etag, headers = report_tag(chart, plan.head(session), today)
        if (unchanged := not_modified(request, etag, headers)) is not None:
            return unchanged
        chart.limits.chart_render(chart.principal, chart.address)
        html = report_html(session, chart.models, plan, today)
    return Response(html, media_type="text/html; charset=utf-8", headers=headers)


def report_tag(
    chart: ChartRequest, head: ChartHead, today: datetime.date
) -> tuple[str, dict[str, str]]:
    """A report's ETag and the headers of its answers (its handler's and, for a ``304``,
    ``app.revalidation``'s): the chart's identity, whether the ratings are shown and by
    whom (the stakeholders' names), and the day the report is dated."""
    shows_ratings = head.may_read_ratings
    people = people_digest(chart.database, chart.query.region_id) if shows_ratings else ""
    etag = make_etag("report", [*head.identity, shows_ratings, people, today.isoformat()])
    return etag, {"ETag": etag, **cache_headers(head.public, head.language)}


def report_html(
    session: Session, models: ModelCatalog, plan: ChartPlan, today: datetime.date
) -> str:
    """The one-page report of a chart plan; the stakeholders' ratings and justifications
    only when the plan's caller may read them."""
    content = chart_content(session, models, plan)
    shows_ratings = plan.may_read_ratings
    return render_report(
        plan.model.localized(plan.language),
        content.main.profile,
        ratings=rating_matrix(session, models, plan.main.round) if shows_ratings else None,
        group=content.main.group if shows_ratings else None,
        compare=content.overlays,
        spread_kind="iqr" if plan.spread is SpreadParam.IQR else "minmax",
        generated_on=today,
    )
