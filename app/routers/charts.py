"""Radar charts of a region's profile as PNG, SVG or JSON, with overlays and the spread band.

The chart is described first (cheap: a few queries and the scoring) and its ETag is a hash of
that description, so a client revalidating with ``If-None-Match`` gets ``304`` without the
image being drawn, and a repeated chart comes from the app's in-process ``ChartCache``
(``app.state.chart_cache``, sized by the settings).

Access follows the profile reads: a region's published profile is readable without a key when
the region is public, anything else needs a key that can read the region. The spread band is
made of the stakeholders' ratings, so it is drawn only for keys that can read the round's
scores; without such a key ``spread`` defaults to none (asking for one explicitly is 403).
A round whose ratings are hidden (open, see ``may_see_ratings``) is not charted at all: its
profile proposes scores from the ratings (403).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlmodel import Session

from app.auth import Principal, ensure_can_read, require_key
from app.deps import (
    ChartCacheDep,
    ClientAddressDep,
    ModelsDep,
    OptionalPrincipalDep,
    RateLimitsDep,
    SessionDep,
    SettingsDep,
)
from app.language import Language, language_headers
from app.openapi import schema_ref
from app.problems import ApiProblem, problem_responses
from app.ratelimits import RateLimits
from app.routing import ApiRoute
from app.schemas import ID_MAX, Id
from app.services.rounds import ensure_may_see_ratings
from app.store import (
    ensure_published_readable,
    get_or_404,
    latest_published_round,
    rating_matrix,
    round_model,
    round_profile,
)
from app.tables import AssessmentRound, Region, RoundStatus
from assessment import (
    ChartCache,
    GroupScores,
    MaturityModel,
    ModelCatalog,
    Profile,
    RadarSpec,
    RatingError,
    RatingMatrix,
    chart_etag,
    radar_spec,
    render_radar,
    score_group,
    spec_json,
)
from assessment.charts import ChartFormat, SpreadKind

router = APIRouter(
    route_class=ApiRoute, tags=["charts"], responses=problem_responses(401, 403, 404, 422)
)


class RadarFormat(StrEnum):
    PNG = "png"
    SVG = "svg"
    JSON = "json"


class SpreadParam(StrEnum):
    MINMAX = "minmax"
    IQR = "iqr"
    NONE = "none"


MEDIA_TYPES = {
    RadarFormat.PNG: "image/png",
    RadarFormat.SVG: "image/svg+xml",
    RadarFormat.JSON: "application/json",
}


@dataclass(frozen=True)
class RegionView:
    """What a caller may see of one region's round: its profile, and the ratings if allowed."""

    model: MaturityModel
    round: AssessmentRound
    profile: Profile
    ratings: RatingMatrix | None
    group: GroupScores | None  # the ratings scored, when they may be seen
    public: bool  # readable without a key: shared caches may keep it


def _ids(values: list[str], field: str) -> list[int]:
    """Ids given repeated (``?compare=2&compare=3``) or comma-separated (``?compare=2,3``)."""
    out: list[int] = []
    for value in values:
        for part in value.split(","):
            if not part.strip():
                continue
            try:
                number = int(part)
            except ValueError:
                number = 0
            if not 1 <= number <= ID_MAX:
                raise ApiProblem(422, f"{part!r} is not an id", field=field)
            out.append(number)
    return list(dict.fromkeys(out))


def _readable_round(
    session: Session,
    region: Region,
    round_id: Id | None,
    principal: Principal | None,
    fields: tuple[str, str],
) -> tuple[AssessmentRound, bool]:
    """The asked round of the region (its latest published one by default), and whether it
    is readable without a key; the same rules as ``/rounds/{id}/profile``. ``fields`` name
    the region and the round in errors."""
    assert region.id is not None
    region_field, round_field = fields
    if round_id is None:
        ensure_published_readable(session, region.id, principal, region_field)
        return latest_published_round(session, region.id, region_field), region.public_profile
    found = session.get(AssessmentRound, round_id)
    mine = found if found is not None and found.region_id == region.id else None
    open_to_all = (
        mine is not None and mine.status == RoundStatus.PUBLISHED.value and region.public_profile
    )
    if not open_to_all and not (principal and principal.can_read_region(region.id)):
        # Whatever the round is (another region's, unpublished or none at all), a caller
        # who could not read it anyway learns only that: 401 without a key, else 403.
        ensure_can_read(require_key(principal), region.id)
    if mine is None:
        raise ApiProblem(
            404, f"round {round_id} is not a round of region {region.id}", field=round_field
        )
    if mine.status != RoundStatus.PUBLISHED.value:
        # Its profile proposes scores from the ratings, and the spread is made of them.
        ensure_may_see_ratings(principal, mine, field=round_field)
    return mine, open_to_all


def region_view(
    session: Session,
    models: ModelCatalog,
    region_id: Id,
    round_id: Id | None,
    principal: Principal | None,
    fields: tuple[str, str] = ("path.region_id", "query.round_id"),
    *,
    with_ratings: bool = True,
) -> RegionView:
    """A region's round as the library's objects, ratings only for keys that may read them."""
    region = get_or_404(session, Region, region_id, fields[0])
    round_, public = _readable_round(session, region, round_id, principal, fields)
    may_read_ratings = (
        with_ratings and principal is not None and principal.can_read_region(region_id)
    )
    # Read and scored once: the profile's proposed scores and the spread both come from them.
    ratings = rating_matrix(session, models, round_)
    group = score_group(ratings) if ratings is not None else None
    return RegionView(
        model=round_model(models, round_),
        round=round_,
        profile=round_profile(session, models, round_, group),
        ratings=ratings if may_read_ratings else None,
        group=group if may_read_ratings else None,
        public=public,
    )


@dataclass(frozen=True)
class ChartInputs:
    main: RegionView
    overlays: tuple[Profile, ...]
    spread: SpreadParam
    language: str  # of the axis labels, legend and report

    @property
    def public(self) -> bool:
        """Readable without a key and holding nothing of the ratings: shared caches may
        keep it."""
        return self.main.public and self.main.ratings is None


@dataclass(frozen=True)
class ChartQuery:
    """What a chart request asks for, checked but not read yet (the handler reads it)."""

    region_id: int
    round_id: int | None
    round_ids: list[int]
    region_ids: list[int]
    spread: SpreadParam | None
    language: str
    principal: Principal | None
    address: str


async def chart_query(
    region_id: Id,
    principal: OptionalPrincipalDep,
    settings: SettingsDep,
    language: Language,
    address: ClientAddressDep,
    round_id: Id | None = Query(
        None, description="round of the region to chart (default: its latest published one)"
    ),
    rounds: list[str] = Query(
        [],
        description="more rounds of the same region to overlay, e.g. an earlier one: "
        "`?rounds=3,7` (comma-separated or repeated); not the chart's own round (422)",
    ),
    compare: list[str] = Query(
        [],
        description="other regions whose latest published profile is overlaid, e.g. a "
        "transferring region: `?compare=2` (comma-separated or repeated)",
    ),
    spread: SpreadParam | None = Query(
        None,
        description="stakeholders' spread around the first profile: minmax or iqr (an "
        "IQR-wide band centred on the median), or none. Default: minmax when the key may "
        "read the round's ratings, otherwise none",
    ),
) -> ChartQuery:
    round_ids = _ids(rounds, "query.rounds")
    region_ids = _ids(compare, "query.compare")
    if len(round_ids) + len(region_ids) > settings.chart_max_overlays:
        raise ApiProblem(
            422, f"overlay at most {settings.chart_max_overlays} profiles", field="query.compare"
        )
    return ChartQuery(
        region_id, round_id, round_ids, region_ids, spread, language, principal, address
    )


ChartQueryDep = Annotated[ChartQuery, Depends(chart_query)]
"""The chart's query parameters, checked: shared by the radar and the report."""


def chart_inputs(session: Session, models: ModelCatalog, query: ChartQuery) -> ChartInputs:
    """The chart's rounds and profiles, read as the caller may see them."""
    principal, region_id = query.principal, query.region_id
    main = region_view(session, models, region_id, query.round_id, principal)
    if main.round.id in query.round_ids:
        raise ApiProblem(
            422,
            f"round {main.round.id} is the chart's own round (round_id, or the latest "
            "published one by default); overlay other rounds",
            field="query.rounds",
        )
    overlays = [
        region_view(
            session,
            models,
            region_id,
            rid,
            principal,
            ("path.region_id", "query.rounds"),
            with_ratings=False,
        ).profile
        for rid in query.round_ids
    ]
    for other in query.region_ids:
        fields = ("query.compare", "query.compare")
        view = region_view(session, models, other, None, principal, fields, with_ratings=False)
        overlays.append(view.profile)
    spread = query.spread
    if spread is None:
        spread = SpreadParam.MINMAX if main.ratings is not None else SpreadParam.NONE
    elif spread is not SpreadParam.NONE and main.ratings is None:
        ensure_can_read(require_key(principal), region_id)
    return ChartInputs(main=main, overlays=tuple(overlays), spread=spread, language=query.language)


def build_spec(inputs: ChartInputs) -> RadarSpec:
    main = inputs.main
    group = main.group if inputs.spread is not SpreadParam.NONE else None
    kind: SpreadKind = "iqr" if inputs.spread is SpreadParam.IQR else "minmax"
    try:
        profiles = [main.profile, *inputs.overlays]
        return radar_spec(main.model, profiles, group, kind, language=inputs.language)
    except RatingError as exc:  # an overlay scored with another model
        raise ApiProblem(422, exc.message, field="query.compare") from None


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


def cache_headers(public: bool, language: str | None = None) -> dict[str, str]:
    """Revalidate every time (a new round may be published); never share private charts.
    With a ``language``, the answer names it and varies with ``Accept-Language`` too."""
    vary = ("X-API-Key", "Accept")
    headers = {"Cache-Control": f"{'public' if public else 'private'}, no-cache"}
    if language is None:
        return {**headers, "Vary": ", ".join(vary)}
    return {**headers, **language_headers(language, vary)}


@dataclass(frozen=True)
class Renderer:
    """What drawing a chart needs besides its description: the worker's image cache, and
    the rate limits that make a caller wait when it asks for too many new drawings."""

    cache: ChartCache
    limits: RateLimits


async def renderer(cache: ChartCacheDep, limits: RateLimitsDep) -> Renderer:
    return Renderer(cache, limits)


RendererDep = Annotated[Renderer, Depends(renderer)]


def chart_response(
    request: Request,
    query: ChartQuery,
    session: Session,
    models: ModelCatalog,
    fmt: RadarFormat,
    draw: Renderer,
) -> Response:
    """The chart as ``fmt`` (or 304); reads what ``query`` asks for as the caller may see it."""
    inputs = chart_inputs(session, models, query)
    spec = build_spec(inputs)
    key = chart_etag(spec, fmt.value)
    etag = f'"{key}"'
    headers = {"ETag": etag, **cache_headers(inputs.public, inputs.language)}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    if fmt is RadarFormat.JSON:
        body = spec_json(spec)
    else:
        image: ChartFormat = "png" if fmt is RadarFormat.PNG else "svg"
        if key not in draw.cache:  # drawing costs: counted per caller
            draw.limits.chart_render(query.principal, query.address)
        body = render_radar(spec, image, draw.cache)
    return Response(body, media_type=MEDIA_TYPES[fmt], headers=headers)


_CHART_CONTENT = {
    200: {
        "description": "The chart; `ETag` identifies its content",
        "content": {
            "image/png": {"schema": {"type": "string", "format": "binary"}},
            "image/svg+xml": {"schema": {"type": "string"}},
            "application/json": {"schema": schema_ref(RadarSpec)},
        },
    },
    304: {"description": "Not modified (the `If-None-Match` ETag is current)"},
}


@router.get(
    "/regions/{region_id}/radar.{fmt}",
    summary="Radar chart of a region's profile as PNG, SVG or JSON",
    response_class=Response,
    responses=_CHART_CONTENT,  # type: ignore[arg-type]
)
def get_radar_file(
    fmt: RadarFormat,
    request: Request,
    query: ChartQueryDep,
    session: SessionDep,
    models: ModelsDep,
    draw: RendererDep,
) -> Response:
    """The JSON is the chart's own description (axes, series, values; null where missing),
    for dashboards that draw their own; the images are drawn from the same description.
    Images not in the worker's cache count against the chart rate limits (429 beyond)."""
    return chart_response(request, query, session, models, fmt, draw)


@router.get(
    "/regions/{region_id}/radar",
    summary="Radar chart, in the format the Accept header prefers",
    response_class=Response,
    responses={**_CHART_CONTENT, **problem_responses(406)},  # type: ignore[dict-item]
)
def get_radar(
    request: Request,
    query: ChartQueryDep,
    session: SessionDep,
    models: ModelsDep,
    draw: RendererDep,
) -> Response:
    """``image/png``, ``image/svg+xml`` or ``application/json`` (PNG for ``*/*``)."""
    fmt = negotiate(request.headers.get("accept"))
    return chart_response(request, query, session, models, fmt, draw)


def negotiate(accept: str | None) -> RadarFormat:
    """The supported format with the highest quality value; ties go to PNG, SVG, JSON."""
    if not accept:
        return RadarFormat.PNG
    best: tuple[float, int, RadarFormat] | None = None
    preference = list(RadarFormat)
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        for fmt in _formats_for(media.lower()):
            rank = (quality, -preference.index(fmt), fmt)
            if quality > 0 and (best is None or rank[:2] > best[:2]):
                best = rank
    if best is None:
        raise ApiProblem(
            406, "the chart is available as image/png, image/svg+xml or application/json"
        )
    return best[2]


def _formats_for(media: str) -> list[RadarFormat]:
    if media in ("*/*", ""):
        return list(RadarFormat)
    if media == "image/*":
        return [RadarFormat.PNG, RadarFormat.SVG]
    return [fmt for fmt, media_type in MEDIA_TYPES.items() if media_type == media]
