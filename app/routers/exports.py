"""Downloads: a round's ratings and a region's profile as CSV or JSON, and the one-page report.

Access is that of the matching reads: ratings need a key that can read the round's region
(as ``/rounds/{id}/ratings``); profiles follow ``/regions/{id}/profile`` (public regions'
published profiles need no key); the report shows the stakeholders' ratings and
justifications only to keys that can read the region.
"""

from __future__ import annotations

import datetime
from enum import StrEnum

from fastapi import APIRouter, Query, Request, Response

from app.deps import (
    ExportPageDep,
    ModelsDep,
    OptionalPrincipalDep,
    PrincipalDep,
    RateLimitsDep,
    SessionDep,
)
from app.language import Language
from app.problems import ApiProblem, problem_responses
from app.routers.charts import (
    ChartInputs,
    ChartQueryDep,
    SpreadParam,
    cache_headers,
    chart_inputs,
    region_view,
)
from app.routers.rounds import readable_round
from app.routing import ApiRoute
from app.schemas import Id
from app.services.rounds import ensure_may_see_ratings
from app.store import raters, rating_matrix
from assessment import (
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


def _download(
    text: str, fmt: ExportFormat, filename: str, public: bool, language: str | None = None
) -> Response:
    return Response(
        text.encode("utf-8"),
        media_type=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{filename}.{fmt.value}"',
            **cache_headers(public, language),
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
    """CSV columns ``rater,dimension,score,justification``, "don't know" as an empty score;
    text cells starting with ``= + - @`` get a leading ``'`` so spreadsheets do not run them.

    Paginated by rater (``limit`` raters from ``offset``, the largest page by default), so
    every page is a whole, re-importable file of whole raters; ``X-Total-Count`` counts the
    raters and ``Link: <...>; rel="next"`` points to the next page while there is one.
    Hidden while the round is open (403), unless the round reveals its ratings."""
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
    response = _download(text, fmt, f"round-{round_id}-ratings", public=False)
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
    responses=_FILE_CONTENT,  # type: ignore[arg-type]
)
def export_profile(
    region_id: Id,
    fmt: ExportFormat,
    principal: OptionalPrincipalDep,
    session: SessionDep,
    models: ModelsDep,
    language: Language,  # after the key: an unknown key is 401 whatever ?lang= says
    round_id: Id | None = Query(None, description="default: the latest published round"),
) -> Response:
    """Stamped with the model id and version (the first two CSV columns); the CSV's
    dimension names are in the asked language."""
    view = region_view(session, models, region_id, round_id, principal, with_ratings=False)
    name = f"region-{region_id}-round-{view.round.id}-profile"
    if fmt is ExportFormat.JSON:
        return _download(profile_to_json(view.profile), fmt, name, view.public)
    text = profile_to_csv(view.profile, view.model.localized(language))
    return _download(text, fmt, name, view.public, language)


@router.get(
    "/regions/{region_id}/report.html",
    summary="One-page HTML report: radar, scores, spread and justifications",
    response_class=Response,
    responses={200: {"description": "Self-contained HTML page", "content": {"text/html": {}}}},
)
def export_report(
    query: ChartQueryDep, session: SessionDep, models: ModelsDep, limits: RateLimitsDep
) -> Response:
    """Takes the chart's parameters (``round_id``, ``rounds``, ``compare``; ``spread`` picks
    minmax or iqr). The spread and the stakeholders' justifications are shown to keys that can
    read the region's ratings, whatever ``spread`` says, since they are half of the report.
    The report draws its chart every time, so it counts against the chart rate limits."""
    inputs = chart_inputs(session, models, query)
    limits.chart_render(query.principal, query.address)
    return report_response(inputs)


def report_response(inputs: ChartInputs) -> Response:
    """The one-page report of what ``chart_inputs`` read (the API's and the pages')."""
    main = inputs.main
    html = render_report(
        main.model.localized(inputs.language),
        main.profile,
        ratings=main.ratings,
        group=main.group,
        compare=inputs.overlays,
        spread_kind="iqr" if inputs.spread is SpreadParam.IQR else "minmax",
        generated_on=datetime.datetime.now(datetime.UTC).date(),
    )
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers=cache_headers(inputs.public, inputs.language),
    )
