"""Matching between stored profiles and the library: who takes part, suggestions a page of
receiving regions at a time, runs computed without holding a lock and stored with what they
showed, and what each key may read of them.

- **Who takes part**: each region's profile of its current round on the model
  (``app.store.current_rounds``); the library sees region names, the API shows ids beside
  them.
- **Bounded work**: every call passes the deployment's :class:`MatchingBudget` (settings
  ``matching_max_*``); the library counts its work first and refuses with a
  ``BudgetError`` naming the parameter, located in the request (``query.top_k``,
  ``body.parameters.capacity``).
- **Runs** read the profiles in one read transaction, compute with no session open, then
  store the run in one short write transaction: on SQLite a large programme's assignment
  never holds the write lock while it computes.
- **Access**: coordinators and admins read everything; a region's keys (facilitators and
  stakeholders) read the suggestions for their region and the runs that matched it,
  narrowed to the pairs, unmet needs and load that involve it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.auth import Principal
from app.db import Database
from app.pagination import PageParams
from app.problems import ApiProblem
from app.schemas_matching import (
    LoadOut,
    PairOut,
    RegionSuggestions,
    RunCreate,
    RunDetail,
    RunPairOut,
    RunSummary,
    Suggestions,
    UnmetOut,
)
from app.services.profiles import current_profiles, region_names
from app.settings import Settings
from app.store import get_or_404, resolve_model
from app.tables import Region, Role
from app.tables_matching import PAIR_FIGURES, MatchingPairRow, MatchingRun, MatchingRunRegion
from assessment import (
    AssessmentError,
    MatchingBudget,
    MatchingParams,
    MaturityModel,
    ModelCatalog,
    ModelError,
    PairProposal,
    PairReasons,
    Profile,
    UnmetNeed,
    assign_partners,
    receiving_regions,
    suggest_partners,
)
from assessment.matching import for_people
from assessment.matching_explain import trusted_many


def matching_budget(settings: Settings) -> MatchingBudget:
    """The deployment's limits on one matching request (README, "Configuration")."""
    return MatchingBudget(
        max_suggestions=settings.matching_max_suggestions,
        max_scored_pairs=settings.matching_max_scored_pairs,
        max_pairs=settings.matching_max_pairs,
        max_assignment_edges=settings.matching_max_assignment_edges,
    )


# Matching parameters in a query string keep the library's names but one: a list is sent as
# a repeated parameter named for one value (?similarity_dimension=a&similarity_dimension=b).
QUERY_NAMES = {"similarity_dimensions": "similarity_dimension"}


@contextmanager
def located(*prefix: str) -> Iterator[None]:
    """Library errors (parameters, budget) located where the request sent the value: in the
    query string under the query parameter's own name (``query.similarity_dimension.0``),
    in a body as the library names it (``body.parameters.similarity_dimensions.0``)."""
    try:
        yield
    except AssessmentError as exc:
        location = exc.location
        if prefix == ("query",) and location and location[0] in QUERY_NAMES:
            location = (QUERY_NAMES[str(location[0])], *location[1:])
        raise type(exc)(exc.message, (*prefix, *location)) from None


# --- who takes part ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Programme:
    """The regions matching works on, as profiles named by region, with their ids."""

    model: MaturityModel
    profiles: list[Profile]
    ids: dict[str, int]  # region name -> id

    @property
    def names(self) -> dict[int, str]:
        return {region_id: name for name, region_id in self.ids.items()}


def load_programme(session: Session, models: ModelCatalog, model: MaturityModel) -> Programme:
    """Each region's profile of its current round on ``model`` (``current_rounds``): the
    profiles stored at publishing, all loaded in one query."""
    found = current_profiles(session, models, model)
    profiles = [profile for _, profile in found]
    ids = {profile.region: region_id for region_id, profile in found}
    return Programme(model=model, profiles=profiles, ids=ids)


# --- shaping results --------------------------------------------------------------------------


def pair_outs(pairs: Iterable[PairProposal], ids: Mapping[str, int]) -> list[PairOut]:
    """Library pairs with the regions' ids beside their names. Each is built from the values
    its library pair holds, validated when the library built it (``trusted_many``: nothing is
    validated again, the parts are shared, not copied), so a page of 500 regions' pairs costs
    a few milliseconds. The result equals validating each pair's fields as a ``PairOut``
    (tested), fields in ``PairOut``'s order."""
    values = []
    for pair in pairs:
        field = pair.__dict__
        values.append(
            {
                "receiving_region_id": ids[field["receiving"]],
                "receiving": field["receiving"],
                "transferring_region_id": ids[field["transferring"]],
                "transferring": field["transferring"],
                "dimension": field["dimension"],
                "dimension_name": field["dimension_name"],
                "receiving_score": field["receiving_score"],
                "transferring_score": field["transferring_score"],
                "gap": field["gap"],
                "similarity": field["similarity"],
                "similarity_rounded": pair.similarity_rounded,
                "shared_context": field["shared_context"],
                "score": field["score"],
                "score_rounded": pair.score_rounded,
                "rank": field["rank"],
                "reasons": field["reasons"],
                "alike": list(field["alike"]),
                "different": list(field["different"]),
                "explanation": pair.explanation,
            }
        )
    return trusted_many(PairOut, values)


def stored_need(need: UnmetNeed, ids: Mapping[str, int]) -> dict[str, Any]:
    """An unmet need as JSON with region ids: what a run stores and what suggestions show."""
    return {
        **need.model_dump(mode="json"),
        "receiving_region_id": ids[need.receiving],
        "full_partner_ids": [ids[name] for name in need.full_partners],
    }


def _dimension_name(model: MaturityModel | None, key: str) -> str:
    if model is not None and key in model.keys:
        return model.dimension(key).name
    return key


def unmet_out(
    need: Mapping[str, Any], names: Mapping[int, str], model: MaturityModel | None
) -> UnmetOut:
    """A stored (or just computed) unmet need, regions by their current names. Needs stored
    before conditions were recorded read with what they have (``condition`` null)."""
    region_id = need["receiving_region_id"]
    partner_ids = list(need.get("full_partner_ids", []))
    partners = list(need.get("full_partners", []))
    if len(partner_ids) == len(partners):
        partners = [names.get(pid, old) for pid, old in zip(partner_ids, partners, strict=True)]
    return UnmetOut.model_validate(
        {
            **need,
            "receiving": names.get(region_id, need["receiving"]),
            "dimension_name": need.get("dimension_name")
            or _dimension_name(model, need["dimension"]),
            "condition": need.get("condition"),
            "full_partners": partners,
            "full_partner_ids": partner_ids,
        }
    )


def _grouped(items: Iterable[Any], key: str, order: Sequence[str]) -> dict[str, list[Any]]:
    groups: dict[str, list[Any]] = {name: [] for name in order}
    for item in items:
        groups[getattr(item, key)].append(item)
    return groups


# --- suggestions ------------------------------------------------------------------------------


def suggestions_region(principal: Principal, region_id: int | None) -> int | None:
    """The receiving region a key may ask suggestions for: coordinators and admins any (or
    all, None); a region's keys their own (the default), another is 403."""
    if principal.role in (Role.ADMIN, Role.COORDINATOR):
        return region_id
    if region_id is not None and region_id != principal.region_id:
        raise ApiProblem(
            403,
            f"this key reads the suggestions of its own region ({principal.region_id}) only",
            field="query.region_id",
        )
    return principal.region_id


def suggestions_page(
    session: Session,
    models: ModelCatalog,
    model: MaturityModel,
    params: MatchingParams,
    budget: MatchingBudget,
    page: PageParams,
    region_id: int | None = None,
) -> Suggestions:
    """One page of the receiving regions suggestions report on (region-name order), each
    with its best partners and its needs without one; ``total`` counts them all. Only the
    page is scored, so a dashboard pages through a programme of any size."""
    programme = load_programme(session, models, model)
    profiles = programme.profiles
    with located("query"):
        listed = receiving_regions(model, profiles, params)
    if region_id is not None:
        name = programme.names.get(region_id)
        if name is None:
            get_or_404(session, Region, region_id, "query.region_id")
            raise ApiProblem(
                404,
                f"region {region_id} has no published profile of {model.id} {model.version}",
                field="query.region_id",
            )
        listed = tuple(found for found in listed if found == name)
    chosen = listed[page.offset : page.offset + page.limit]
    with located("query"):
        result = suggest_partners(model, profiles, params, receiving=chosen, budget=budget)
    ids, names = programme.ids, programme.names
    pairs = _grouped(pair_outs(result.pairs, ids), "receiving", chosen)
    unmet = _grouped(result.unmet, "receiving", chosen)
    items = [
        RegionSuggestions(
            region_id=ids[region],
            region=region,
            pairs=pairs[region],
            unmet=[unmet_out(stored_need(need, ids), names, model) for need in unmet[region]],
        )
        for region in chosen
    ]
    return Suggestions(
        model=model.ref,
        params=params,
        regions=len(profiles),
        items=items,
        total=len(listed),
        limit=page.limit,
        offset=page.offset,
    )


# --- runs -------------------------------------------------------------------------------------


def _pair_row(run_id: int, pair: PairProposal, ids: Mapping[str, int]) -> MatchingPairRow:
    """A pair as a run stores it: the figures, the explanation and the structured reasons,
    so the run shows the same reasons whatever later changes."""
    return MatchingPairRow(
        run_id=run_id,
        receiving_region_id=ids[pair.receiving],
        transferring_region_id=ids[pair.transferring],
        **{figure: getattr(pair, figure) for figure in PAIR_FIGURES},
        dimension_name=pair.dimension_name,
        reasons=pair.reasons.model_dump(mode="json"),
        alike=[context.model_dump(mode="json") for context in pair.alike],
        different=[context.model_dump(mode="json") for context in pair.different],
    )


def create_run(
    request_session: Session,
    database: Database,
    models: ModelCatalog,
    budget: MatchingBudget,
    principal: Principal,
    body: RunCreate,
) -> RunDetail:
    """Assign partners programme-wide and store the run with its pairs (all ``proposed``),
    its unmet needs, each transferring region's load and the regions it matched.

    First ends whatever the request's own session began (a web page's session stamp), so
    that it holds no lock. Then reads in one transaction, computes with no session open, and
    writes in another that holds only the inserts (on SQLite the write lock is taken then,
    never while the assignment computes). A region deleted in between makes it a 409
    (nothing is stored)."""
    request_session.commit()
    model = resolve_model(models, body.model_id, body.model_version, "body.model_id")
    if "capacity_overrides" in body.parameters.model_fields_set:
        raise ApiProblem(
            422,
            "give capacity_overrides beside parameters, by region id",
            field="body.parameters.capacity_overrides",
        )
    with database.session() as read:
        programme = load_programme(read, models, model)
    names = programme.names
    for region_id in body.capacity_overrides:
        if region_id not in names:
            raise ApiProblem(
                422,
                f"region {region_id} has no published profile of {model.id} {model.version}",
                field=f"body.capacity_overrides.{region_id}",
            )
    overrides = {names[rid]: capacity for rid, capacity in body.capacity_overrides.items()}
    params = body.parameters.model_copy(update={"capacity_overrides": overrides})
    with located("body", "parameters"):
        result = assign_partners(model, programme.profiles, params, budget=budget)
    ids = programme.ids
    with database.session(write=True) as write:
        run = MatchingRun(
            model_id=model.id,
            model_version=model.version,
            parameters=params.model_dump(mode="json"),
            regions=len(programme.profiles),
            needs=result.needs,
            total_score=result.total_score,
            unmet=[stored_need(need, ids) for need in result.unmet],
            load=[
                {
                    "region_id": ids[load.region],
                    "region": load.region,
                    "capacity": load.capacity,
                    "assigned": load.assigned,
                }
                for load in result.load
            ],
            created_by=principal.key_id,
        )
        try:
            write.add(run)
            write.flush()
            assert run.id is not None
            write.add_all(
                MatchingRunRegion(run_id=run.id, region_id=region_id) for region_id in names
            )
            rows = [_pair_row(run.id, pair, ids) for pair in result.pairs]
            write.add_all(rows)
            write.flush()
            detail = run_detail(run, rows, names, models, None)
            write.commit()
        except IntegrityError:
            raise ApiProblem(
                409,
                "a region was removed while the run was computed: nothing was stored, run it again",
            ) from None
    return detail


def visible_runs(
    query: SelectOfScalar[MatchingRun], principal: Principal
) -> SelectOfScalar[MatchingRun]:
    """``query`` narrowed to the runs the key may read: all for coordinators and admins,
    the runs that matched its region for a region's keys."""
    if principal.role in (Role.ADMIN, Role.COORDINATOR):
        return query
    matched = select(MatchingRunRegion.run_id).where(
        MatchingRunRegion.region_id == principal.region_id
    )
    return query.where(col(MatchingRun.id).in_(matched))


def region_view(principal: Principal) -> int | None:
    """The region whose part of a run the key reads; None: the whole run."""
    if principal.role in (Role.ADMIN, Role.COORDINATOR):
        return None
    return principal.region_id


def run_for(session: Session, run_id: int, principal: Principal) -> MatchingRun:
    """The run, or 404 naming ``path.run_id``, or 403 for a region's key when the run did
    not match its region."""
    run = get_or_404(session, MatchingRun, run_id, "path.run_id")
    view = region_view(principal)
    if view is not None and session.get(MatchingRunRegion, (run_id, view)) is None:
        raise ApiProblem(403, f"run {run_id} did not match this key's region ({view})")
    return run


def _involves(view: int | None, *region_ids: int) -> bool:
    return view is None or view in region_ids


def _params(stored: Mapping[str, Any], view: int | None) -> MatchingParams:
    """A run's parameters; a region's view leaves out the other regions' capacity overrides
    (by name): its own capacity is in its load line."""
    params = MatchingParams(**stored)
    if view is None:
        return params
    return params.model_copy(update={"capacity_overrides": {}})


def run_summary(run: MatchingRun, view: int | None) -> RunSummary:
    assert run.id is not None
    return RunSummary(
        id=run.id,
        model_id=run.model_id,
        model_version=run.model_version,
        parameters=_params(run.parameters, view),
        regions=run.regions,
        needs=run.needs,
        total_score=run.total_score,
        total_score_rounded=for_people(run.total_score),
        created_by=run.created_by,
        created_at=run.created_at,
        region_view=view,
    )


def run_model(models: ModelCatalog, run: MatchingRun) -> MaturityModel | None:
    """The model a run was computed on; None when the deployment no longer has it."""
    try:
        return models.find(run.model_id, run.model_version)
    except ModelError:
        return None


def run_pair_out(
    row: MatchingPairRow, names: Mapping[int, str], model: MaturityModel | None
) -> RunPairOut:
    """A stored pair, regions by their current names; pairs stored before reasons were kept
    read with what they have."""
    return RunPairOut.model_validate(
        {
            **row.model_dump(),
            "receiving": names[row.receiving_region_id],
            "transferring": names[row.transferring_region_id],
            "dimension_name": row.dimension_name or _dimension_name(model, row.dimension),
            "similarity_rounded": for_people(row.similarity),
            "score_rounded": for_people(row.score),
            "reasons": None if row.reasons is None else PairReasons.model_validate(row.reasons),
            "alike": row.alike or [],
            "different": row.different or [],
        }
    )


def run_detail(
    run: MatchingRun,
    rows: Sequence[MatchingPairRow],
    names: Mapping[int, str],
    models: ModelCatalog,
    view: int | None,
) -> RunDetail:
    model = run_model(models, run)
    load = None
    if run.load is not None:
        load = [
            LoadOut.model_validate({**line, "region": names.get(line["region_id"], line["region"])})
            for line in run.load
            if _involves(view, line["region_id"])
        ]
    return RunDetail(
        **run_summary(run, view).model_dump(),
        pairs=[
            run_pair_out(row, names, model)
            for row in rows
            if _involves(view, row.receiving_region_id, row.transferring_region_id)
        ],
        unmet=[
            unmet_out(need, names, model)
            for need in run.unmet
            if _involves(view, need["receiving_region_id"])
        ],
        load=load,
    )


def read_run(
    session: Session, models: ModelCatalog, run: MatchingRun, principal: Principal
) -> RunDetail:
    """A stored run as the key may read it."""
    view = region_view(principal)
    query = select(MatchingPairRow).where(MatchingPairRow.run_id == run.id)
    if view is not None:
        query = query.where(
            (MatchingPairRow.receiving_region_id == view)
            | (MatchingPairRow.transferring_region_id == view)
        )
    rows = session.exec(query.order_by(col(MatchingPairRow.id))).all()
    mentioned = {need["receiving_region_id"] for need in run.unmet}
    mentioned |= {pid for need in run.unmet for pid in need.get("full_partner_ids", [])}
    mentioned |= {line["region_id"] for line in run.load or []}
    for row in rows:
        mentioned |= {row.receiving_region_id, row.transferring_region_id}
    return run_detail(run, rows, region_names(session, mentioned), models, view)
