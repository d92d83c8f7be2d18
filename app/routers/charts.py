"""Radar charts of a region's profile as PNG, SVG or JSON, with overlays and the spread band.

A request is first resolved into a ``ChartPlan`` (which rounds of which regions it shows,
access-checked, nothing loaded), and its ETag is a hash of what identifies the chart: those
rounds with their last change, the region names, spread, language and the renderer's and
model's versions (``app.etags``). A client revalidating with ``If-None-Match`` thus gets
``304`` after a few small reads; a repeated chart comes from the app's in-process
``ChartCache`` (``app.state.chart_cache``, sized by the settings), keyed by that ETag; only
otherwise are the profiles loaded (stored ones for published rounds) and the chart drawn.

A round whose ratings are hidden (open, see ``may_see_ratings``) is not charted at all: its
profile proposes scores from the ratings (403).

Access follows the profile reads: a region's published profile is readable without a key when
the region is public, anything else needs a key that can read the region. The spread band is
made of the stakeholders' ratings, so it is drawn only for keys that can read the round's
scores; without such a key ``spread`` defaults to none (asking for one explicitly is 403).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlmodel import Session, col, select

from app.auth import Principal, ensure_can_read, require_key
from app.db import Database
from app.deps import (
    OptionalPrincipalDep,
    get_chart_cache,
    get_database,
    get_models,
    get_rate_limits,
    get_settings,
)
from app.etags import Part, cache_headers, make_etag, model_digest, not_modified
from app.guard import client_address
from app.language import LangQuery, chosen_language
from app.openapi import schema_ref
from app.problems import ApiProblem, problem_responses
from app.ratelimits import RateLimits
from app.routing import ApiRoute
from app.schemas import ID_MAX, Id
from app.services.profiles import (
    RoundResults,
    latest_heads,
    published_stamp,
    readable_head,
    readable_latest,
    regions_with_latest,
    round_results,
    round_stamps,
)
from app.services.rounds import ensure_may_see_ratings
from app.settings import Settings
from app.store import get_or_404, round_model
from app.tables import AssessmentRound, Region, RoundStatus
from assessment import (
    ChartCache,
    MaturityModel,
    ModelCatalog,
    ModelError,
    Profile,
    RadarSpec,
    RatingError,
    radar_spec,
    render_radar,
    spec_json,
)
from assessment.charts import SpreadKind, renderer_identity

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
class ShownRound:
    """A round a chart (or an export) shows, once the caller may see it."""

    region: Region
    round: AssessmentRound
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
    region: Region,
    found: AssessmentRound | None,
    round_id: Id,
    principal: Principal | None,
    field: str,
) -> ShownRound:
    """``found`` (read as ``round_id``) once it is a round of ``region`` the caller may see;
    the same rules as ``/rounds/{id}/profile``. ``field`` names the round in errors."""
    assert region.id is not None
    mine = found if found is not None and found.region_id == region.id else None
    open_to_all = (
        mine is not None and mine.status == RoundStatus.PUBLISHED.value and region.public_profile
    )
    if not open_to_all and not (principal and principal.can_read_region(region.id)):
        # Whatever the round is (another region's, unpublished or none at all), a caller
        # who could not read it anyway learns only that: 401 without a key, else 403.
        ensure_can_read(require_key(principal), region.id)
    if mine is None:
        raise ApiProblem(404, f"round {round_id} is not a round of region {region.id}", field=field)
    if mine.status != RoundStatus.PUBLISHED.value:
        # Its profile proposes scores from the ratings, and the spread is made of them.
        ensure_may_see_ratings(principal, mine, field=field)
    return ShownRound(region, mine, open_to_all)


def shown_round(
    session: Session,
    region_id: Id,
    round_id: Id | None,
    principal: Principal | None,
    fields: tuple[str, str] = ("path.region_id", "query.round_id"),
) -> ShownRound:
    """The asked round of a region (its latest published one by default) if the caller may
    see it; ``fields`` name the region and the round in errors."""
    if round_id is None:
        found = regions_with_latest(session, [region_id]).get(region_id)
        return _latest_of(found, region_id, principal, fields[0])
    region = get_or_404(session, Region, region_id, fields[0])
    return _readable_round(
        region, session.get(AssessmentRound, round_id), round_id, principal, fields[1]
    )


def _latest_of(
    found: tuple[Region, AssessmentRound | None] | None,
    region_id: int,
    principal: Principal | None,
    field: str,
) -> ShownRound:
    region, latest = readable_latest(found, region_id, principal, field)
    return ShownRound(region, latest, region.public_profile)


def _overlaid_rounds(
    session: Session, region: Region, ids: list[int], principal: Principal | None
) -> list[ShownRound]:
    """More rounds of the chart's region, in the order asked (one query)."""
    if not ids:
        return []
    found = {
        r.id: r
        for r in session.exec(select(AssessmentRound).where(col(AssessmentRound.id).in_(ids)))
    }
    return [_readable_round(region, found.get(i), i, principal, "query.rounds") for i in ids]


@dataclass(frozen=True)
class ChartQuery:
    """A chart's query parameters, parsed (no database needed): shared by the radar and the
    report, resolved into a ``ChartPlan`` by the handler."""

    region_id: int
    round_id: int | None
    rounds: list[int]
    compare: list[int]
    spread: SpreadParam | None
    language: str  # of the axis labels, legend and report


def chart_query(
    request: Request,
    region_id: int,
    lang: str | None,
    round_id: int | None,
    rounds: list[str],
    compare: list[str],
    spread: SpreadParam | None,
) -> ChartQuery:
    """A chart's query parameters, parsed: ids checked, the language chosen."""
    return ChartQuery(
        region_id=region_id,
        round_id=round_id,
        rounds=_ids(rounds, "query.rounds"),
        compare=_ids(compare, "query.compare"),
        spread=spread,
        language=chosen_language(request, lang),
    )


@dataclass(frozen=True)
class ChartPlan:
    """What a chart shows, resolved and access-checked but not loaded: enough to name it
    (``identity``) before any profile is read or scored."""

    main: ShownRound
    overlays: tuple[ShownRound, ...]
    spread: SpreadParam
    language: str  # of the axis labels, legend and report
    may_read_ratings: bool  # the caller may see the main round's ratings and their spread
    model: MaturityModel

    @property
    def public(self) -> bool:
        """Readable without a key and holding nothing of the ratings: shared caches may
        keep it."""
        return self.main.public and not self.may_read_ratings

    @property
    def shown(self) -> tuple[ShownRound, ...]:
        return (self.main, *self.overlays)

    def head(self, session: Session) -> ChartHead:
        """What names the chart, as ``chart_head`` gives it for a chart of latest profiles."""
        return ChartHead(
            identity=self.identity(session),
            public=self.public,
            may_read_ratings=self.may_read_ratings,
            language=self.language,
        )

    def identity(self, session: Session) -> list[Part]:
        """Everything the chart's content depends on (see ``app.etags``)."""
        stamps = round_stamps(session, [shown.round for shown in self.shown])
        shown = [(r.round.id or 0, r.region.name) for r in self.shown]
        return chart_identity(
            self.model,
            self.spread,
            self.language,
            [(round_id, stamps[round_id], name) for round_id, name in shown],
        )


def chart_identity(
    model: MaturityModel,
    spread: SpreadParam,
    language: str,
    shown: Iterable[tuple[int, str, str]],
) -> list[Part]:
    """What names a chart: the renderer, the model's content, the spread, the language and
    each shown round (its id, its stamp (``round_stamps``) and its region's name)."""
    parts: list[Part] = [renderer_identity(), model_digest(model), spread.value, language]
    for round_id, stamp, name in shown:
        parts += [round_id, stamp, name]
    return parts


@dataclass(frozen=True)
class ChartHead:
    """What names a chart: its identity, who may cache it, whether it shows ratings, its
    language. A chart of latest published profiles (no ``round_id``, no ``rounds``) has one
    from plain reads before any session (``chart_head``), equal to its plan's."""

    identity: list[Part]
    public: bool
    may_read_ratings: bool
    language: str


def chart_head(
    database: Database,
    models: ModelCatalog,
    settings: Settings,
    principal: Principal | None,
    query: ChartQuery,
) -> ChartHead | None:
    """The head of a chart of latest published profiles, one indexed read per region shown;
    None when the chart needs its full plan: chosen rounds, or a request the plan refuses
    (the plan then says why, with the same errors in the same order as ever)."""
    if query.round_id is not None or query.rounds:
        return None
    if len(query.compare) > settings.chart_max_overlays:
        return None
    wanted = [(query.region_id, "path.region_id")]
    wanted += [(region_id, "query.compare") for region_id in query.compare]
    try:
        found = latest_heads(database, [region_id for region_id, _ in wanted])
        heads = [
            readable_head(head, region_id, principal, field)[0]
            for head, (region_id, field) in zip(found, wanted, strict=True)
        ]
        spread, may_read_ratings = chart_spread(query, principal)
        main = heads[0]
        model = models.find(main.model_id or "", main.model_version)
    except (ApiProblem, ModelError):
        return None
    shown = [
        (head.round_id or 0, published_stamp(head.published_at), head.name)
        for head in heads
        if head.published_at is not None
    ]
    return ChartHead(
        identity=chart_identity(model, spread, query.language, shown),
        public=main.public_profile and not may_read_ratings,
        may_read_ratings=may_read_ratings,
        language=query.language,
    )


def chart_spread(query: ChartQuery, principal: Principal | None) -> tuple[SpreadParam, bool]:
    """The spread a chart shows, and whether its caller may read the main round's ratings
    (a spread asked without that right is refused: 401 without a key, else 403)."""
    may_read_ratings = principal is not None and principal.can_read_region(query.region_id)
    spread = query.spread
    if spread is None:
        spread = SpreadParam.MINMAX if may_read_ratings else SpreadParam.NONE
    elif spread is not SpreadParam.NONE and not may_read_ratings:
        ensure_can_read(require_key(principal), query.region_id)
    return spread, may_read_ratings


@dataclass(frozen=True)
class ChartRequest:
    """What a chart handler resolves its plan from (the parsed query and the caller), with
    what only a full answer needs (the models, the worker's image cache, the rate limits
    that make a caller wait when it asks for too many new drawings) read from the app as it
    is used: a ``304`` gathers nothing it does not use."""

    query: ChartQuery
    principal: Principal | None
    request: Request

    @property
    def models(self) -> ModelCatalog:
        return get_models(self.request)

    @property
    def settings(self) -> Settings:
        return get_settings(self.request)

    @property
    def cache(self) -> ChartCache:
        return get_chart_cache(self.request)

    @property
    def limits(self) -> RateLimits:
        return get_rate_limits(self.request)

    @property
    def address(self) -> str:
        return client_address(self.request.scope)

    @property
    def database(self) -> Database:
        return get_database(self.request)

    def plan(self, session: Session) -> ChartPlan:
        return chart_plan(session, self.models, self.settings, self.principal, self.query)

    def head(self) -> ChartHead | None:
        return chart_head(self.database, self.models, self.settings, self.principal, self.query)


async def chart_request(
    principal: OptionalPrincipalDep,  # first: an unknown key is 401 whatever the query says
    request: Request,
    region_id: Id,
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
    lang: LangQuery = None,
) -> ChartRequest:
    """The chart's query and caller in one dependency: FastAPI spends about 25 us on each
    dependency it resolves, and a chart's ``304`` costs little else. ``async``: no
    thread-pool trip for pure work."""
    query = chart_query(request, region_id, lang, round_id, rounds, compare, spread)
    return ChartRequest(query, principal, request)


ChartRequestDep = Annotated[ChartRequest, Depends(chart_request)]


def chart_plan(
    session: Session,
    models: ModelCatalog,
    settings: Settings,
    principal: Principal | None,
    query: ChartQuery,
) -> ChartPlan:
    """Which rounds of which regions the chart shows, checked against the caller's rights:
    the region and the regions compared come with their latest published rounds in one
    query, overlaid rounds in another."""
    if len(query.rounds) + len(query.compare) > settings.chart_max_overlays:
        raise ApiProblem(
            422, f"overlay at most {settings.chart_max_overlays} profiles", field="query.compare"
        )
    region_id = query.region_id
    wanted = [region_id] if query.round_id is None else []
    found = regions_with_latest(session, [*wanted, *query.compare])
    if query.round_id is None:
        main = _latest_of(found.get(region_id), region_id, principal, "path.region_id")
    else:
        main = shown_round(session, region_id, query.round_id, principal)
    if main.round.id in query.rounds:
        raise ApiProblem(
            422,
            f"round {main.round.id} is the chart's own round (round_id, or the latest "
            "published one by default); overlay other rounds",
            field="query.rounds",
        )
    overlays = _overlaid_rounds(session, main.region, query.rounds, principal)
    overlays += [_latest_of(found.get(i), i, principal, "query.compare") for i in query.compare]
    spread, may_read_ratings = chart_spread(query, principal)
    return ChartPlan(
        main=main,
        overlays=tuple(overlays),
        spread=spread,
        language=query.language,
        may_read_ratings=may_read_ratings,
        model=round_model(models, main.round),
    )


@dataclass(frozen=True)
class ChartContent:
    """A plan's profiles, loaded: the main round's results and the overlaid profiles."""

    main: RoundResults
    overlays: tuple[Profile, ...]


def chart_content(session: Session, models: ModelCatalog, plan: ChartPlan) -> ChartContent:
    """Every profile the plan shows, in a constant number of queries."""
    rounds = [shown.round for shown in plan.shown]
    names = {shown.round.region_id: shown.region.name for shown in plan.shown}
    main, *overlays = round_results(session, models, rounds, names)
    return ChartContent(main=main, overlays=tuple(results.profile for results in overlays))


def build_spec(plan: ChartPlan, content: ChartContent) -> RadarSpec:
    show_spread = plan.spread is not SpreadParam.NONE and plan.may_read_ratings
    group = content.main.group if show_spread else None
    kind: SpreadKind = "iqr" if plan.spread is SpreadParam.IQR else "minmax"
    try:
        profiles = [content.main.profile, *content.overlays]
        return radar_spec(plan.model, profiles, group, kind, language=plan.language)
    except RatingError as exc:  # an overlay scored with another model
        raise ApiProblem(422, exc.message, field="query.compare") from None


def chart_response(request: Request, chart: ChartRequest, fmt: RadarFormat) -> Response:
    """The chart, or ``304`` when the request's ``If-None-Match`` holds its ETag (for a
    chart of latest profiles, ``app.revalidation`` answers that before FastAPI). The ETag
    names the chart before anything is loaded, and keys the worker's image cache; images
    not in it count against the chart rate limits (429 beyond)."""
    with chart.database.session() as session:
        plan = chart.plan(session)
        etag, headers = chart_tag(plan.head(session), fmt)
        if (unchanged := not_modified(request, etag, headers)) is not None:
            return unchanged
        body = chart.cache.get(etag)
        if body is None:
            spec = build_spec(plan, chart_content(session, chart.models, plan))
            if fmt is RadarFormat.JSON:
                body = spec_json(spec)
            else:
                chart.limits.chart_render(chart.principal, chart.address)  # drawing costs
                body = render_radar(spec, "png" if fmt is RadarFormat.PNG else "svg")
            chart.cache.put(etag, body)
    return Response(body, media_type=MEDIA_TYPES[fmt], headers=headers)


def chart_tag(head: ChartHead, fmt: RadarFormat) -> tuple[str, dict[str, str]]:
    """A chart's ETag and the headers of its answers (its handler's and, for a ``304``,
    ``app.revalidation``'s)."""
    etag = make_etag(f"radar.{fmt.value}", head.identity)
    return etag, {"ETag": etag, **cache_headers(head.public, head.language)}


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
def get_radar_file(fmt: RadarFormat, request: Request, chart: ChartRequestDep) -> Response:
    """The JSON is the chart's own description (axes, series, values; null where missing),
    for dashboards that draw their own; the images are drawn from the same description.
    Images not in the worker's cache count against the chart rate limits (429 beyond)."""
    return chart_response(request, chart, fmt)


@router.get(
    "/regions/{region_id}/radar",
    summary="Radar chart, in the format the Accept header prefers",
    response_class=Response,
    responses={**_CHART_CONTENT, **problem_responses(406)},  # type: ignore[dict-item]
)
def get_radar(request: Request, chart: ChartRequestDep) -> Response:
    """``image/png``, ``image/svg+xml`` or ``application/json`` (PNG for ``*/*``)."""
    return chart_response(request, chart, negotiate(request.headers.get("accept")))


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
