"""Property-based checks of twinning and good-practice feasibility against the README's rule.

The rule is recomputed here from the documented text (eligibility, similarity, score, tie
order, capacities), independently of the vectorised code, on small random models so that
the assignment's optimum can be found by exhaustive search.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from typing import Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment import (
    GoodPractice,
    MatchingParams,
    MatchingResult,
    MaturityModel,
    PairProposal,
    PracticeFeasibility,
    PracticeReport,
    Profile,
    UnmetNeed,
    assign_partners,
    build_profile,
    candidate_pairs,
    matching_assign,
    parse_model,
    practice_gaps,
    receiving_regions,
    suggest_partners,
)
from tests.conftest import make_model_data

# Names whose order differs between case-sensitive, case-folded and accent-stripped sorting.
NAMES = ("Alba", "Bergen", "Lund", "lund", "Norrbotten", "Scotland", "Z", "Örebro")
POLICIES: tuple[Literal["when_flagged", "required", "ignored"], ...] = (
    "when_flagged",
    "required",
    "ignored",
)
UNCERTAIN: tuple[Literal["include", "exclude", "down_weight"], ...] = (
    "include",
    "exclude",
    "down_weight",
)
AGREEMENTS: tuple[Literal["agreed", "split", "no_data"] | None, ...] = (
    None,
    "agreed",
    "split",
    "no_data",
)
Triple = tuple[str, str, str]


def profile_line(profile: Profile) -> str:
    """``Lund: d0=1^ d1=4*?`` (^ flagged for improvement, * for coaching, ? split panel)."""
    cells = " ".join(
        f"{s.dimension}={s.score}{'^' * s.for_improvement}{'*' * s.for_coaching}{'?' * s.uncertain}"
        for s in profile.scores
    )
    return f"{profile.region}: {cells}"


@dataclass(frozen=True)
class World:
    model: MaturityModel
    profiles: tuple[Profile, ...]
    params: MatchingParams

    def __repr__(self) -> str:
        """A failing example as a score table, not as nested model reprs."""
        scale = f"scale {self.model.scale.min}-{self.model.scale.max}"
        regions = "; ".join(profile_line(p) for p in self.profiles)
        return f"World({scale}; {regions}; {self.params.model_dump(exclude_defaults=True)})"

    @property
    def span(self) -> int:
        return self.model.scale.max - self.model.scale.min

    def profile(self, name: str) -> Profile:
        return next(p for p in self.profiles if p.region == name)


@st.composite
def small_models(
    draw: st.DrawFn, min_dims: int = 1, max_dims: int = 3, min_span: int = 1
) -> MaturityModel:
    n_dims = draw(st.integers(min_dims, max_dims))
    lo = draw(st.integers(-1, 1))
    hi = lo + draw(st.integers(min_span, 5))
    return parse_model(make_model_data(keys=tuple(f"d{i}" for i in range(n_dims)), lo=lo, hi=hi))


@st.composite
def profiles_of(draw: st.DrawFn, model: MaturityModel, name: str) -> Profile:
    lo, hi = model.scale.min, model.scale.max
    # Unscored cells and the scale ends are common enough to matter, rare enough to pair.
    cell = st.one_of(st.integers(lo, hi), st.sampled_from([lo, hi, hi - 1, lo + 1, None]))
    keys = st.sampled_from(model.keys)
    workshop: dict[str, int | tuple[int | None, str] | None] = {
        key: draw(cell) for key in model.keys
    }
    profile = build_profile(
        model,
        workshop=workshop,
        improvement=draw(st.sets(keys)),
        coaching=draw(st.sets(keys)),
        region=name,
    )
    # The stakeholders' agreement per dimension (split = an uncertain score).
    agreement = st.sampled_from(AGREEMENTS)
    scores = tuple(s.model_copy(update={"agreement": draw(agreement)}) for s in profile.scores)
    return profile.model_copy(update={"scores": scores})


# Bounded away from 0: a gap weight near 1e-13 rounds allowed pairs' scores to 0, which the
# README's "every allowed pair scores above 0" (and the unmet reasons built on it) excludes.
float_weights = st.floats(0.05, 5)
# Whole weights and a neutral similarity in quarters keep exact scores off rounding halves.
whole_weights = st.integers(1, 3).map(float)
quarters = st.sampled_from([0.0, 0.25, 0.5, 1.0])


@st.composite
def worlds(
    draw: st.DrawFn,
    max_regions: int = 5,
    weights: st.SearchStrategy[float] = float_weights,
    similarity_weights: st.SearchStrategy[float] = st.just(0.0) | float_weights,
    neutral: st.SearchStrategy[float] = st.floats(0, 1),
    loose: bool = False,
    uncertain: st.SearchStrategy[str] = st.sampled_from(UNCERTAIN),
) -> World:
    """Random regions and parameters; ``loose`` lifts the level limits and flag policies so
    that each need has many candidates to rank."""
    model = draw(small_models(min_dims=2 if loose else 1))
    lo, hi = model.scale.min, model.scale.max
    sizes = [0, 1, *(n for n in range(2, max_regions + 1) for _ in range(3))]
    names = draw(st.permutations(NAMES))[: draw(st.sampled_from(sizes))]
    profiles = tuple(draw(profiles_of(model, name)) for name in names)
    level = st.one_of(
        st.just(None), st.just(None), st.integers(lo, hi).map(float), st.floats(lo, hi)
    )
    policy = st.sampled_from(POLICIES)
    context = st.none() | st.lists(st.sampled_from(model.keys), min_size=1, unique=True).map(tuple)
    gap = st.integers(1, hi - lo).map(float) | st.floats(0.05, hi - lo)
    if loose:
        level, policy, context, gap = st.none(), st.just("ignored"), st.none(), st.just(1.0)
    params = MatchingParams(
        min_gap=draw(gap),
        min_transfer_level=draw(level),
        max_receiving_level=draw(level),
        improvement_flags=draw(policy),
        coaching_flags=draw(policy),
        gap_weight=draw(weights),
        similarity_weight=draw(similarity_weights),
        similarity_dimensions=draw(context),
        neutral_similarity=draw(neutral),
        capacity=draw(st.integers(1, 3)),
        capacity_overrides=draw(
            st.dictionaries(st.sampled_from(names), st.integers(0, 3)) if names else st.just({})
        ),
        top_k=draw(st.integers(1, 4)),
        uncertain_scores=draw(uncertain),
        uncertain_weight=draw(st.sampled_from([0.5, 0.25, 1.0]) | st.floats(0.05, 1)),
    )
    return World(model, profiles, params)


# Equal weights make pairs with different gaps tie often (a gap one point larger against a
# context one point further away), which is what the tie-breaks are for.
tie_worlds = worlds(
    weights=st.just(1.0),
    similarity_weights=st.just(1.0),
    neutral=quarters,
    loose=True,
    max_regions=6,
)
any_worlds = worlds() | tie_worlds


# --- the documented rule, restated --------------------------------------------------------


def score_of(profile: Profile, key: str) -> int | None:
    return profile.by_key()[key].score


def counts(flags: frozenset[str], key: str, policy: str) -> bool:
    if policy == "ignored":
        return True
    if policy == "required":
        return key in flags
    return key in flags or not flags


def capacity_of(params: MatchingParams, name: str) -> int:
    return params.capacity_overrides.get(name, params.capacity)


def excluded(world: World, region: Profile, key: str) -> bool:
    """A split panel's score under ``uncertain_scores="exclude"``."""
    return world.params.uncertain_scores == "exclude" and region.by_key()[key].uncertain


def weighted_sides(world: World, receiving: Profile, transferring: Profile, key: str) -> int:
    """Uncertain scores of a pair that lower its score (``down_weight`` only)."""
    if world.params.uncertain_scores != "down_weight":
        return 0
    return receiving.by_key()[key].uncertain + transferring.by_key()[key].uncertain


def is_need(world: World, region: Profile, key: str) -> bool:
    score, cap = score_of(region, key), world.params.max_receiving_level
    return (
        score is not None
        and (cap is None or score <= cap)
        and counts(region.improvement, key, world.params.improvement_flags)
        and not excluded(world, region, key)
    )


def reachable_need(world: World, region: Profile, key: str) -> bool:
    """A need some region could exceed by ``min_gap`` on this scale. The README counts every
    scored need; the code leaves needs at the top of the scale out of ``needs``, ``unmet`` and
    ``without_candidates``, so only reachable needs are required to appear there."""
    score = score_of(region, key)
    return (
        is_need(world, region, key)
        and score is not None
        and score + world.params.min_gap <= world.model.scale.max
    )


def offers(world: World, region: Profile, key: str) -> bool:
    score, floor = score_of(region, key), world.params.min_transfer_level
    return (
        score is not None
        and (floor is None or score >= floor)
        and counts(region.coaching, key, world.params.coaching_flags)
        and capacity_of(world.params, region.region) > 0
        and not excluded(world, region, key)
    )


def allowed(world: World, receiving: Profile, transferring: Profile, key: str) -> bool:
    low, high = score_of(receiving, key), score_of(transferring, key)
    return (
        is_need(world, receiving, key)
        and offers(world, transferring, key)
        and low is not None
        and high is not None
        and high - low >= world.params.min_gap
    )


def allowed_triples(world: World) -> set[Triple]:
    return {
        (r.region, t.region, key)
        for r in world.profiles
        for t in world.profiles
        for key in world.model.keys
        if allowed(world, r, t, key)
    }


@dataclass(frozen=True)
class Expected:
    gap: int
    shared: int
    similarity: Fraction
    score: Fraction


def expected_pair(world: World, receiving: str, transferring: str, key: str) -> Expected:
    """Similarity and score as the README states them, in exact arithmetic (floats are binary
    fractions, so ``Fraction`` of a parameter is its exact value)."""
    params, span = world.params, world.span
    r, t = world.profile(receiving), world.profile(transferring)
    context = params.similarity_dimensions or world.model.keys
    distances = [
        abs(a - b)
        for c in world.model.keys
        if c in context and c != key
        for a, b in [(score_of(r, c), score_of(t, c))]
        if a is not None and b is not None
    ]
    if distances:
        similarity = 1 - Fraction(sum(distances), len(distances) * span)
    else:
        similarity = Fraction(params.neutral_similarity)
    high, low = score_of(t, key), score_of(r, key)
    assert high is not None and low is not None
    gap = high - low
    gw, sw = Fraction(params.gap_weight), Fraction(params.similarity_weight)
    score = (gw * Fraction(gap, span) + sw * similarity) / (gw + sw)
    score *= Fraction(params.uncertain_weight) ** weighted_sides(world, r, t, key)
    return Expected(gap, len(distances), similarity, score)


def rounded(value: Fraction) -> float:
    """The documented rounding, half up to 12 decimals, applied to the exact score."""
    return math.floor(value * 10**12 + Fraction(1, 2)) / 1e12


def pair_order(model: MaturityModel) -> Callable[[PairProposal], tuple[float, int, int, str]]:
    """Documented ranking: score, then gap (both high first), dimension order, then name."""
    return lambda p: (-p.score, -p.gap, model.keys.index(p.dimension), p.transferring)


def triple(pair: PairProposal) -> Triple:
    return (pair.receiving, pair.transferring, pair.dimension)


def unranked(pair: PairProposal) -> dict[str, Any]:
    """A pair's content apart from its place in a list (the explanation quotes the rank)."""
    return pair.model_dump(exclude={"rank", "explanation"})


def check_without_candidates(world: World, result: MatchingResult) -> None:
    """Bounds rather than one exact set, for the reason given in ``reachable_need``."""
    paired = {p.receiving for p in result.pairs}
    lonely = set(result.without_candidates)
    assert len(lonely) == len(result.without_candidates)
    assert not lonely & paired
    for name in lonely:
        assert any(is_need(world, world.profile(name), key) for key in world.model.keys)
    for profile in world.profiles:
        if profile.region not in paired and any(
            reachable_need(world, profile, key) for key in world.model.keys
        ):
            assert profile.region in lonely


# --- candidates and suggestions -----------------------------------------------------------


@settings(max_examples=120, deadline=None)
@given(any_worlds)
def test_candidates_are_exactly_the_allowed_pairs_scored_by_the_formula(world: World) -> None:
    result = candidate_pairs(world.model, world.profiles, world.params)
    got = [triple(p) for p in result.pairs]
    assert len(got) == len(set(got))
    assert set(got) == allowed_triples(world)
    for pair in result.pairs:
        assert pair.receiving != pair.transferring
        expected = expected_pair(world, *triple(pair))
        assert pair.receiving_score == score_of(world.profile(pair.receiving), pair.dimension)
        assert pair.transferring_score == score_of(world.profile(pair.transferring), pair.dimension)
        assert pair.gap == expected.gap == pair.transferring_score - pair.receiving_score
        assert pair.gap >= world.params.min_gap
        assert pair.shared_context == expected.shared
        assert 0 <= pair.similarity <= 1 and 0 < pair.score <= 1
        assert pair.similarity == pytest.approx(float(expected.similarity), abs=1e-12)
        assert pair.score == pytest.approx(rounded(expected.score), abs=1e-12)
    groups: dict[tuple[str, str], list[PairProposal]] = {}
    for pair in result.pairs:
        groups.setdefault((pair.receiving, pair.dimension), []).append(pair)
    for group in groups.values():
        ranked = sorted(group, key=pair_order(world.model))
        assert [p.rank for p in ranked] == list(range(1, len(group) + 1))
    check_without_candidates(world, result)


def flag_basis(flags: frozenset[str], key: str, policy: str) -> str:
    if key in flags:
        return "flagged"
    return "region_flagged_none" if policy == "when_flagged" else "flags_ignored"


def context_dimensions(world: World, pair: PairProposal) -> list[tuple[int, int, str, int, int]]:
    """(difference, model position, key, receiving score, transferring score) of the pair's
    context dimensions, in the README's order for "alike"."""
    r, t = world.profile(pair.receiving), world.profile(pair.transferring)
    wanted = world.params.similarity_dimensions or world.model.keys
    out = []
    for position, key in enumerate(world.model.keys):
        a, b = score_of(r, key), score_of(t, key)
        if key != pair.dimension and key in wanted and a is not None and b is not None:
            out.append((abs(a - b), position, key, a, b))
    return sorted(out)


@settings(max_examples=120, deadline=None)
@given(any_worlds)
def test_every_pair_explains_why_it_is_allowed_and_what_makes_the_regions_alike(
    world: World,
) -> None:
    params = world.params
    for pair in candidate_pairs(world.model, world.profiles, params).pairs:
        r, t = world.profile(pair.receiving), world.profile(pair.transferring)
        why = pair.reasons
        assert why.need.basis == flag_basis(r.improvement, pair.dimension, params.improvement_flags)
        assert why.offer.basis == flag_basis(t.coaching, pair.dimension, params.coaching_flags)
        assert (why.need.policy, why.offer.policy) == (
            params.improvement_flags,
            params.coaching_flags,
        )
        assert (why.gap.value, why.gap.limit) == (pair.gap, params.min_gap)
        assert why.gap.margin is not None and why.gap.margin >= 0
        assert why.gap.margin == pytest.approx(pair.gap - params.min_gap)
        floor, cap = params.min_transfer_level, params.max_receiving_level
        assert (why.transfer_level.value, why.transfer_level.limit) == (
            pair.transferring_score,
            floor,
        )
        if floor is not None:
            assert why.transfer_level.margin == pytest.approx(pair.transferring_score - floor)
        assert (why.receiving_level.value, why.receiving_level.limit) == (
            pair.receiving_score,
            cap,
        )
        if cap is not None:
            assert why.receiving_level.margin == pytest.approx(cap - pair.receiving_score)
        sides = weighted_sides(world, r, t, pair.dimension)
        assert why.confidence.weight == pytest.approx(params.uncertain_weight**sides)
        assert (why.confidence.receiving, why.confidence.transferring) == (
            r.by_key()[pair.dimension].agreement,
            t.by_key()[pair.dimension].agreement,
        )
        context = context_dimensions(world, pair)
        assert len(context) == pair.shared_context
        alike = [(d.difference, world.model.index(d.dimension), d.dimension) for d in pair.alike]
        assert alike == [c[:3] for c in context[:3]]
        rest = [c for c in context[3:] if c[0] > 0]
        furthest = sorted(rest, key=lambda c: (-c[0], c[1]))[:3]
        assert [(d.dimension, d.receiving_score, d.transferring_score) for d in pair.different] == [
            (c[2], c[3], c[4]) for c in furthest
        ]
        for d in (*pair.alike, *pair.different):
            assert d.receiving_score == score_of(r, d.dimension)
            assert d.transferring_score == score_of(t, d.dimension)
            assert d.name == world.model.dimension(d.dimension).name
        assert pair.similarity_rounded == round(pair.similarity, 2)
        assert pair.score_rounded == round(pair.score, 2)
        assert f"similarity {pair.similarity:.2f}" in pair.explanation
        assert pair.model_validate(pair.model_dump()) == pair


@settings(max_examples=60, deadline=None)
@given(any_worlds)
def test_one_dimension_is_a_slice_of_all_candidates(world: World) -> None:
    everything = candidate_pairs(world.model, world.profiles, world.params).pairs
    for key in world.model.keys:
        sliced = candidate_pairs(world.model, world.profiles, world.params, dimension=key)
        assert sorted(sliced.pairs, key=triple) == sorted(
            (p for p in everything if p.dimension == key), key=triple
        )


@settings(max_examples=80, deadline=None)
@given(
    worlds(
        weights=whole_weights,
        similarity_weights=whole_weights,
        neutral=quarters,
        loose=True,
        max_regions=6,
        uncertain=st.just("include"),
    )
)
def test_scores_are_exact_scores_rounded_so_equal_scores_tie(world: World) -> None:
    """With whole weights up to 3 and a neutral similarity in quarters, an exact score times
    10**12 has a fractional part j / 3**a, never near a half, so the documented rounding must
    give the exact score rounded, bit for bit: mathematically equal scores then tie exactly and
    the documented tie-breaks (gap, dimension, name) decide between them."""
    pairs = candidate_pairs(world.model, world.profiles, world.params).pairs
    exact = {triple(p): expected_pair(world, *triple(p)).score for p in pairs}
    for a in pairs:
        assert a.score == rounded(exact[triple(a)])
        for b in pairs:
            assert (a.score == b.score) == (exact[triple(a)] == exact[triple(b)])
            assert (a.score < b.score) == (exact[triple(a)] < exact[triple(b)])


@settings(max_examples=100, deadline=None)
@given(any_worlds)
def test_suggestions_are_the_head_of_each_regions_ranking(world: World) -> None:
    candidates = candidate_pairs(world.model, world.profiles, world.params)
    suggestions = suggest_partners(world.model, world.profiles, world.params)
    k = world.params.top_k
    for profile in world.profiles:
        mine = sorted(candidates.for_region(profile.region), key=pair_order(world.model))
        top = sorted(suggestions.for_region(profile.region), key=lambda p: p.rank)
        assert [p.rank for p in top] == list(range(1, min(k, len(mine)) + 1))
        assert [unranked(p) for p in top] == [unranked(p) for p in mine[:k]]
    assert len(suggestions.pairs) == sum(
        min(k, len(candidates.for_region(p.region))) for p in world.profiles
    )
    assert suggestions.without_candidates == candidates.without_candidates
    check_without_candidates(world, suggestions)


@settings(max_examples=100, deadline=None)
@given(any_worlds, st.data())
def test_suggestions_for_some_receiving_regions_are_a_slice_of_all(
    world: World, data: st.DataObject
) -> None:
    """A page of receiving regions (``receiving``) gets exactly its share of the whole
    answer, and ``receiving_regions`` lists every region the whole answer reports on."""
    model, params = world.model, world.params
    whole = suggest_partners(model, world.profiles, params)
    listed = receiving_regions(model, world.profiles, params)
    reported = (
        {p.receiving for p in whole.pairs}
        | {u.receiving for u in whole.unmet}
        | set(whole.without_candidates)
    )
    assert listed == tuple(sorted(reported))
    names = [p.region for p in world.profiles]
    page = data.draw(st.sets(st.sampled_from(names)) if names else st.just(set[str]()))
    part = suggest_partners(model, world.profiles, params, receiving=page)
    assert part.pairs == tuple(p for p in whole.pairs if p.receiving in page)
    assert part.unmet == tuple(u for u in whole.unmet if u.receiving in page)
    assert part.without_candidates == tuple(r for r in whole.without_candidates if r in page)


@settings(max_examples=60, deadline=None)
@given(any_worlds, st.data())
def test_profile_order_does_not_matter(world: World, data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(world.profiles))
    model, params = world.model, world.params
    assert candidate_pairs(model, shuffled, params) == candidate_pairs(
        model, world.profiles, params
    )
    assert suggest_partners(model, shuffled, params) == suggest_partners(
        model, world.profiles, params
    )
    assert assign_partners(model, shuffled, params) == assign_partners(
        model, world.profiles, params
    )


# --- assignment ---------------------------------------------------------------------------


def best_total(world: World) -> float:
    """Optimal total by exhaustive search over every way of giving each need at most one
    allowed partner within capacities (memoised on the capacities left, so it stays cheap)."""
    options: dict[tuple[str, str], list[tuple[int, float]]] = {}
    names = [p.region for p in world.profiles]
    for receiving, transferring, key in allowed_triples(world):
        exact = expected_pair(world, receiving, transferring, key).score
        score = rounded(exact)
        options.setdefault((receiving, key), []).append((names.index(transferring), score))
    needs = list(options.values())

    @cache
    def best(i: int, left: tuple[int, ...]) -> float:
        if i == len(needs):
            return 0.0
        result = best(i + 1, left)
        for j, score in needs[i]:
            if left[j]:
                taken = (*left[:j], left[j] - 1, *left[j + 1 :])
                result = max(result, score + best(i + 1, taken))
        return result

    return best(0, tuple(capacity_of(world.params, name) for name in names))


@contextmanager
def assignment_solver(dense: bool) -> Iterator[None]:
    """Force the dense or the sparse assignment solver (the library picks by size, and
    these worlds are small)."""
    saved = matching_assign.DENSE_CELLS
    matching_assign.DENSE_CELLS = saved if dense else 0
    try:
        yield
    finally:
        matching_assign.DENSE_CELLS = saved


@settings(max_examples=150, deadline=None)
@given(any_worlds, st.booleans())
def test_assignment_respects_the_rule_and_capacities_and_is_optimal(
    world: World, dense: bool
) -> None:
    with assignment_solver(dense):
        result = assign_partners(world.model, world.profiles, world.params)
    candidates = {
        triple(p): p for p in candidate_pairs(world.model, world.profiles, world.params).pairs
    }
    needs = Counter((p.receiving, p.dimension) for p in result.pairs)
    assert all(n == 1 for n in needs.values())
    for pair in result.pairs:
        assert triple(pair) in candidates
        assert unranked(pair) == unranked(candidates[triple(pair)])
    used = Counter(p.transferring for p in result.pairs)
    load = {entry.region: entry for entry in result.load}
    assert len(load) == len(result.load)
    for name, count in used.items():
        assert count <= capacity_of(world.params, name)
        assert load[name].assigned == count
    for entry in result.load:
        assert entry.capacity == capacity_of(world.params, entry.region)
        assert entry.assigned == used.get(entry.region, 0) <= entry.capacity
    assert result.total_score == pytest.approx(sum(p.score for p in result.pairs), abs=1e-9)
    assert result.total_score == pytest.approx(best_total(world), abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(tie_worlds)
def test_an_assigned_pair_keeps_its_rank_among_the_needs_candidates(world: World) -> None:
    result = assign_partners(world.model, world.profiles, world.params)
    candidates = candidate_pairs(world.model, world.profiles, world.params).pairs
    rank = {triple(p): p.rank for p in candidates}
    assert [p.rank for p in result.pairs] == [rank[triple(p)] for p in result.pairs]


def failed_condition(world: World, receiving: Profile, key: str) -> tuple[str, float | None]:
    """The README's first failing condition for a need without an allowed partner, with the
    closest value any offer reaches (a level or a gap)."""
    params, low = world.params, score_of(receiving, key)
    assert low is not None
    others = [t for t in world.profiles if t.region != receiving.region]
    offered = [
        score
        for t in others
        if counts(t.coaching, key, params.coaching_flags)
        and capacity_of(params, t.region) > 0
        and (score := score_of(t, key)) is not None
    ]
    if not offered:
        return "no_offer", None
    floor = params.min_transfer_level
    level_ok = [score for score in offered if floor is None or score >= floor]
    if not level_ok:
        return "transfer_level", max(offered)
    if max(level_ok) - low < params.min_gap:
        return "gap", max(level_ok) - low
    return "uncertain_offers", None


def check_unmet_entry(world: World, entry: UnmetNeed, allowed: Counter[tuple[str, str]]) -> None:
    """One unmet need's reason, condition and numbers against the restated rule."""
    region, key, params = world.profile(entry.receiving), entry.dimension, world.params
    assert entry.dimension_name == world.model.dimension(key).name
    assert entry.message
    if entry.reason in ("missing_score", "no_room", "uncertain"):
        assert key in region.improvement and entry.candidates == 0
        assert entry.condition == {"uncertain": "uncertain_need"}.get(entry.reason, entry.reason)
        if entry.reason == "uncertain":
            assert params.uncertain_scores == "exclude" and region.by_key()[key].uncertain
        return
    assert is_need(world, region, key)
    assert entry.candidates == allowed[(entry.receiving, key)]
    if entry.reason == "capacity":
        assert entry.condition == "capacity" and entry.candidates > 0
        return
    assert entry.reason == "no_candidate" and entry.candidates == 0
    condition, best = failed_condition(world, region, key)
    assert entry.condition == condition
    if condition == "transfer_level":
        assert params.min_transfer_level is not None and best is not None
        assert (entry.best, entry.limit) == (best, params.min_transfer_level)
        assert entry.shortfall == pytest.approx(params.min_transfer_level - best)
    if condition == "gap":
        assert best is not None
        assert (entry.best, entry.limit) == (best, params.min_gap)
        assert entry.shortfall is not None and entry.shortfall > 0
        assert entry.shortfall == pytest.approx(params.min_gap - best)
    if condition == "uncertain_offers":
        assert params.uncertain_scores == "exclude"


@settings(max_examples=250, deadline=None)
@given(any_worlds, st.booleans())
def test_every_need_is_assigned_or_reported_unmet_with_its_exact_reason(
    world: World, dense: bool
) -> None:
    with assignment_solver(dense):
        result = assign_partners(world.model, world.profiles, world.params)
    allowed_pairs = candidate_pairs(world.model, world.profiles, world.params).pairs
    candidates = Counter((p.receiving, p.dimension) for p in allowed_pairs)
    assigned = {(p.receiving, p.dimension) for p in result.pairs}
    unmet = {(u.receiving, u.dimension): u for u in result.unmet}
    assert len(unmet) == len(result.unmet)
    assert not assigned & set(unmet)
    full = {e.region for e in result.load if e.assigned == e.capacity}
    for need, entry in unmet.items():
        check_unmet_entry(world, entry, candidates)
        if entry.reason == "capacity":
            # Every allowed pair scores above 0, so a need waits only when its partners are
            # full: all of them, named.
            partners = {p.transferring for p in allowed_pairs if (p.receiving, p.dimension) == need}
            assert partners <= full
            assert entry.full_partners == tuple(sorted(partners))
    for profile in world.profiles:
        for key in world.model.keys:
            if reachable_need(world, profile, key) or (profile.region, key) in candidates:
                assert (profile.region, key) in assigned | set(unmet)
    if world.params.improvement_flags != "ignored":
        assert {n for n, u in unmet.items() if u.reason == "missing_score"} == {
            (p.region, key)
            for p in world.profiles
            for key in p.improvement
            if score_of(p, key) is None
        }
        top = world.model.scale.max - world.params.min_gap
        assert {n for n, u in unmet.items() if u.reason == "no_room"} == {
            (p.region, key)
            for p in world.profiles
            for key in p.improvement
            if (score := score_of(p, key)) is not None and score > top
        }
        cap = world.params.max_receiving_level
        assert {n for n, u in unmet.items() if u.reason == "uncertain"} == {
            (p.region, key)
            for p in world.profiles
            for key in p.improvement
            if excluded(world, p, key)
            and (score := score_of(p, key)) is not None
            and score <= top
            and (cap is None or score <= cap)
        }
    measured = [u for u in result.unmet if u.reason in ("no_candidate", "capacity")]
    assert result.needs == len(result.pairs) + len(measured)


@settings(max_examples=150, deadline=None)
@given(any_worlds)
def test_suggestions_report_each_need_without_a_partner(world: World) -> None:
    """Suggestions and candidates list, per need with no allowed partner, the condition that
    failed (the same vocabulary as the assignment, capacity aside)."""
    allowed = Counter(
        (p.receiving, p.dimension)
        for p in candidate_pairs(world.model, world.profiles, world.params).pairs
    )
    for result in (
        suggest_partners(world.model, world.profiles, world.params),
        candidate_pairs(world.model, world.profiles, world.params),
    ):
        lonely = {(u.receiving, u.dimension) for u in result.unmet if u.reason == "no_candidate"}
        assert lonely == {
            (p.region, key)
            for p in world.profiles
            for key in world.model.keys
            if reachable_need(world, p, key) and not allowed[(p.region, key)]
        }
        for entry in result.unmet:
            assert entry.reason != "capacity"
            check_unmet_entry(world, entry, allowed)


# --- good practices -----------------------------------------------------------------------


@dataclass(frozen=True)
class PracticeCase:
    model: MaturityModel
    profile: Profile
    practices: tuple[GoodPractice, ...]

    def __repr__(self) -> str:
        scale = f"scale {self.model.scale.min}-{self.model.scale.max}"
        needs = "; ".join(f"{p.id}: {p.requirements}" for p in self.practices)
        return f"PracticeCase({scale}; {profile_line(self.profile)}; {needs})"


@st.composite
def practice_cases(draw: st.DrawFn) -> PracticeCase:
    # A span of 2 or more lets equal total gaps spread over different numbers of dimensions.
    model = draw(small_models(max_dims=4, min_span=2))
    lo, hi = model.scale.min, model.scale.max
    ids = draw(st.permutations(["A", "a", "b", "p1", "p10", "p2", "p3"]))
    ids = ids[: draw(st.sampled_from([0, 1, 2, 4, 5, 6, 7, 7, 7]))]
    practices = tuple(
        GoodPractice(
            id=practice_id,
            name=f"Practice {practice_id}",
            requirements=draw(
                st.dictionaries(st.sampled_from(model.keys), st.integers(lo, hi), min_size=1)
            ),
        )
        for practice_id in ids
    )
    return PracticeCase(model, draw(profiles_of(model, "Lund")), practices)


def practice_key(p: PracticeFeasibility) -> tuple[bool, int, int, int, str]:
    """Documented order: feasible first, total gap, dimensions with a gap, unknowns, id."""
    return (not p.feasible, p.total_gap, p.dimensions_with_gap, len(p.unknown), p.practice_id)


@settings(max_examples=150, deadline=None)
@given(practice_cases())
def test_practice_gaps_feasibility_and_ranking(case: PracticeCase) -> None:
    report = practice_gaps(case.model, case.profile, case.practices)
    by_id = {p.id: p for p in case.practices}
    assert sorted(p.practice_id for p in report.practices) == sorted(by_id)
    lo = case.model.scale.min
    for row in report.practices:
        requirements = by_id[row.practice_id].requirements
        assert {g.dimension for g in row.gaps} == set(requirements)
        assert len(row.gaps) == len(requirements)
        for gap in row.gaps:
            score = score_of(case.profile, gap.dimension)
            assert gap.required == requirements[gap.dimension]
            assert gap.score == score
            assert gap.unknown == (score is None)
            # An unscored dimension counts as if it sat at the scale minimum.
            assert gap.gap == max(0, gap.required - (lo if score is None else score))
        assert set(row.unknown) == {g.dimension for g in row.gaps if g.unknown}
        assert row.total_gap == sum(g.gap for g in row.gaps)
        assert row.dimensions_with_gap == sum(g.gap > 0 for g in row.gaps)
        assert row.feasible == all(g.gap == 0 for g in row.gaps)
    assert [p.rank for p in report.practices] == list(range(1, len(report.practices) + 1))
    assert list(report.practices) == sorted(report.practices, key=practice_key)
    assert report.feasible == tuple(p for p in report.practices if p.feasible)


def summary(report: PracticeReport) -> dict[str, dict[str, int]]:
    return {p.practice_id: {g.dimension: g.gap for g in p.gaps} for p in report.practices}


@settings(max_examples=80, deadline=None)
@given(practice_cases(), st.data())
def test_a_more_mature_profile_never_has_a_larger_gap(
    case: PracticeCase, data: st.DataObject
) -> None:
    """Raising scores, or scoring an unknown dimension at any level, never widens a gap: a
    missing score never makes a practice look more feasible than a real one would."""
    hi = case.model.scale.max
    raised: dict[str, int | tuple[int | None, str] | None] = {}
    for key in case.model.keys:
        score = score_of(case.profile, key)
        low = case.model.scale.min if score is None else score
        raised[key] = data.draw(st.integers(low, hi))
    better = build_profile(case.model, workshop=raised, region="Lund")
    before = practice_gaps(case.model, case.profile, case.practices)
    after = practice_gaps(case.model, better, case.practices)
    widest = summary(before)
    for practice_id, gaps in summary(after).items():
        for key, gap in gaps.items():
            assert gap <= widest[practice_id][key]
    assert {p.practice_id for p in before.feasible} <= {p.practice_id for p in after.feasible}


@settings(max_examples=60, deadline=None)
@given(practice_cases(), st.data())
def test_practice_order_does_not_matter(case: PracticeCase, data: st.DataObject) -> None:
    shuffled: Sequence[GoodPractice] = data.draw(st.permutations(case.practices))
    assert practice_gaps(case.model, case.profile, shuffled) == practice_gaps(
        case.model, case.profile, case.practices
    )
