"""Profiles checked and turned into arrays once, so that every matching step is array work.

Rows are regions sorted by name (the last tie-break of the pair order), columns the model's
dimensions. Besides the scores, the arrays keep *why* each cell is or is not a need or an
offer (flags, policy, uncertainty), which the explanations and the unmet reasons report.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from assessment.errors import ParameterError, RatingError
from assessment.matching_params import FlagPolicy, MatchingParams
from assessment.model import MaturityModel
from assessment.profile import Profile

IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
SmallArray = npt.NDArray[np.int8]

# Codes of ConsensusScore.agreement in Regions.agreement.
AGREEMENT_CODES: tuple[str | None, ...] = (None, "agreed", "split", "no_data")
SPLIT = AGREEMENT_CODES.index("split")


@dataclass(frozen=True)
class Regions:
    """Profiles as (regions x dimensions) arrays, rows in region-name order."""

    model: MaturityModel
    params: MatchingParams
    names: tuple[str, ...]
    level: SmallArray  # score - scale.min, -1 where unscored
    improvement: BoolArray  # flagged for improvement
    coaching: BoolArray  # flagged for coaching
    agreement: SmallArray  # index into AGREEMENT_CODES
    need_counted: BoolArray  # the improvement_flags policy counts the cell
    offer_counted: BoolArray  # the coaching_flags policy counts the cell
    receive: BoolArray  # a need under the whole rule
    give: BoolArray  # an offer under the whole rule
    capacity: IntArray  # (regions,)
    context: BoolArray  # (dimensions,) similarity dimensions
    receivers: BoolArray  # (regions,) rows whose needs are matched and reported

    @property
    def span(self) -> int:
        return self.model.scale.max - self.model.scale.min

    @property
    def scored(self) -> BoolArray:
        return self.level >= 0

    @property
    def uncertain(self) -> BoolArray:
        """Scores that stand on a split panel."""
        return np.asarray(self.agreement == SPLIT, dtype=bool)

    @property
    def weighted(self) -> BoolArray:
        """Cells whose uncertainty lowers a pair's score (``uncertain_scores="down_weight"``)."""
        if self.params.uncertain_scores != "down_weight":
            return np.zeros_like(self.improvement)
        return self.uncertain

    def score(self, row: int, dim: int) -> int:
        return int(self.level[row, dim]) + self.model.scale.min


def prepare(model: MaturityModel, profiles: Sequence[Profile], params: MatchingParams) -> Regions:
    """Check profiles and parameters, then build the arrays of the rule."""
    if not isinstance(params, MatchingParams):
        raise ParameterError("params must be a MatchingParams", ("params",))
    ordered = check_profiles(model, profiles)
    names = tuple(profile.region for profile in ordered)
    check_params(model, params, names)
    n, m = len(ordered), len(model.keys)
    cells = [score for profile in ordered for score in profile.scores]
    values = np.array([cell.score for cell in cells], dtype=np.float64).reshape(n, m)
    improvement = np.array([cell.for_improvement for cell in cells], dtype=bool).reshape(n, m)
    coaching = np.array([cell.for_coaching for cell in cells], dtype=bool).reshape(n, m)
    code_of = {status: code for code, status in enumerate(AGREEMENT_CODES)}
    agreement = np.array([code_of[cell.agreement] for cell in cells], dtype=np.int8)
    agreement = agreement.reshape(n, m)
    scored = ~np.isnan(values)
    level = np.where(scored, values - model.scale.min, -1).astype(np.int8)
    capacity = np.array(
        [params.capacity_overrides.get(name, params.capacity) for name in names], dtype=np.intp
    )
    need_counted = counted(improvement, params.improvement_flags)
    offer_counted = counted(coaching, params.coaching_flags)
    excluded = (agreement == SPLIT) & (params.uncertain_scores == "exclude")
    with np.errstate(invalid="ignore"):
        receive = need_counted & scored & ~excluded
        receive &= values <= model.scale.max - params.min_gap
        if params.max_receiving_level is not None:
            receive &= values <= params.max_receiving_level
        give = offer_counted & scored & ~excluded & (capacity > 0)[:, None]
        if params.min_transfer_level is not None:
            give &= values >= params.min_transfer_level
    context = np.ones(m, dtype=bool)
    if params.similarity_dimensions is not None:
        context = np.isin(np.array(model.keys), np.array(params.similarity_dimensions))
    return Regions(
        model=model,
        params=params,
        names=names,
        level=level,
        improvement=improvement,
        coaching=coaching,
        agreement=agreement,
        need_counted=need_counted,
        offer_counted=offer_counted,
        receive=receive,
        give=give,
        capacity=capacity,
        context=context,
        receivers=np.ones(n, dtype=bool),
    )


def restrict(reg: Regions, receiving: Collection[str]) -> Regions:
    """Only the ``receiving`` regions' needs are matched and reported; every region still
    offers. A region's pairs and unmet needs depend on its own needs and on the offers only,
    so they are those of the unrestricted call (a page of a large programme costs the work of
    that page)."""
    if isinstance(receiving, str):
        raise ParameterError("receiving must be a collection of region names", ("receiving",))
    known, wanted = set(reg.names), set(receiving)
    for name in receiving:
        if name not in known:
            raise ParameterError(f"no profile for region {name!r}", ("receiving", name))
    rows = np.array([name in wanted for name in reg.names], dtype=bool).reshape(-1)
    return replace(reg, receive=reg.receive & rows[:, None], receivers=rows)


def counted(flags: BoolArray, policy: FlagPolicy) -> BoolArray:
    """Cells a flag policy counts (README, "Who may pair")."""
    if policy == "ignored":
        return np.ones_like(flags)
    if policy == "required":
        return flags.copy()
    return flags | ~flags.any(axis=1, keepdims=True)


def check_profiles(model: MaturityModel, profiles: Sequence[Profile]) -> list[Profile]:
    """Profiles of ``model`` with unique, unpadded names, sorted by name."""
    if isinstance(profiles, Profile) or not isinstance(profiles, Sequence):
        raise RatingError("profiles must be a list of Profile objects", ("profiles",))
    ref, keys = (model.id, model.version), list(model.keys)
    seen: dict[str, int] = {}
    for index, profile in enumerate(profiles):
        here: tuple[str | int, ...] = ("profiles", index)
        if not isinstance(profile, Profile):
            raise RatingError("expected a Profile", here)
        if (profile.model.id, profile.model.version) != ref:
            raise RatingError(
                f"profile of {profile.model.id} {profile.model.version}, matching runs on "
                f"{model.id} {model.version}: all profiles must share one model",
                (*here, "model"),
            )
        if [s.dimension for s in profile.scores] != keys:
            raise RatingError("profile dimensions do not follow the model", (*here, "scores"))
        name = profile.region
        if not name or name.strip() != name:
            raise RatingError("region name is empty or padded with spaces", (*here, "region"))
        if name in seen:
            raise RatingError(
                f"region {name!r} appears twice (first at profiles.{seen[name]})",
                (*here, "region"),
            )
        seen[name] = index
    return sorted(profiles, key=lambda profile: profile.region)


def check_params(model: MaturityModel, params: MatchingParams, names: Sequence[str]) -> None:
    """The checks that need the model or the regions."""
    lo, hi = model.scale.min, model.scale.max
    for field in ("min_transfer_level", "max_receiving_level"):
        level = getattr(params, field)
        if level is not None and not lo <= level <= hi:
            raise ParameterError(f"{level} is outside the scale {lo}-{hi}", (field,))
    if params.min_gap > hi - lo:
        raise ParameterError(f"no gap can reach {params.min_gap} on {lo}-{hi}", ("min_gap",))
    if params.similarity_dimensions is not None:
        if not params.similarity_dimensions:
            raise ParameterError(
                "give at least one dimension, or null for all", ("similarity_dimensions",)
            )
        for index, key in enumerate(params.similarity_dimensions):
            model.index(key, ("similarity_dimensions", index))
    known = set(names)
    for name in params.capacity_overrides:
        if name not in known:
            raise ParameterError(f"no profile for region {name!r}", ("capacity_overrides", name))


def dimension_filter(model: MaturityModel, dimension: str | None) -> range:
    """Columns to match on: all, or the one named (an unknown key names ``dimension``)."""
    if dimension is None:
        return range(len(model.keys))
    column = model.index(dimension, ("dimension",))
    return range(column, column + 1)
