import itertools
import math
import random
from collections.abc import Mapping

import pytest

from assessment import (
    MatchingParams,
    MaturityModel,
    ParameterError,
    Profile,
    RatingError,
    assign_partners,
    build_profile,
    candidate_pairs,
    default_model,
    parse_model,
    suggest_partners,
)
from assessment import matching_kernel
from tests.conftest import make_model_data

ONLY_FLAGS = {"improvement_flags": "required", "coaching_flags": "required"}


def region(
    model: MaturityModel,
    name: str,
    scores: Mapping[str, int | None],
    improve: tuple[str, ...] = (),
    coach: tuple[str, ...] = (),
) -> Profile:
    workshop: dict[str, int | tuple[int | None, str] | None] = dict(scores)
    return build_profile(model, workshop=workshop, improvement=improve, coaching=coach, region=name)


def triples(pairs: tuple[object, ...]) -> list[tuple[str, str, str]]:
    return [(p.receiving, p.transferring, p.dimension) for p in pairs]  # type: ignore[attr-defined]


def test_seeds_norrbotten_learns_innovation_management_from_scotland() -> None:
    model = default_model()
    base = dict.fromkeys(model.keys, 2)
    norrbotten = region(
        model,
        "Norrbotten",
        {**base, "innovation_management": 1},
        improve=("innovation_management",),
        coach=("digital_infrastructure",),
    )
    scotland = region(
        model,
        "Scotland",
        {**base, "innovation_management": 4, "structure_governance": 4},
        improve=("population_approach",),
        coach=("innovation_management",),
    )
    result = suggest_partners(model, [scotland, norrbotten])
    pair = result.for_region("Norrbotten")[0]
    assert (pair.transferring, pair.dimension) == ("Scotland", "innovation_management")
    assert (pair.receiving_score, pair.transferring_score, pair.gap, pair.rank) == (1, 4, 3, 1)
    # 10 other dimensions agree, structure_governance differs by 2: 1 - 2 / (11 * 5).
    assert pair.shared_context == 11
    assert pair.similarity == pytest.approx(1 - 2 / 55)
    assert pair.score == pytest.approx(0.6 * 3 / 5 + 0.4 * (1 - 2 / 55), abs=1e-12)
    assert "Innovation" in pair.explanation and "Scotland" in pair.explanation
    assert result.model == model.ref
    # Scotland's need (population approach, 2) finds no one at level 3 or above.
    assert result.without_candidates == ("Scotland",)


def test_gap_floor_and_transfer_level_exclude_pairs(small_model: MaturityModel) -> None:
    low = region(small_model, "Low", {"alpha": 1, "beta": 1, "gamma": 1}, improve=("alpha",))
    mid = region(small_model, "Mid", {"alpha": 2, "beta": 1, "gamma": 1}, coach=("alpha",))
    high = region(small_model, "High", {"alpha": 3, "beta": 1, "gamma": 1}, coach=("alpha",))
    profiles = [low, mid, high]
    # Mid is below the default transfer level 3; High qualifies with gap 2.
    only = MatchingParams(**ONLY_FLAGS)
    assert triples(candidate_pairs(small_model, profiles, only).pairs) == [("Low", "High", "alpha")]
    strict = MatchingParams(min_gap=3, **ONLY_FLAGS)
    assert candidate_pairs(small_model, profiles, strict).pairs == ()
    loose = MatchingParams(min_transfer_level=None, **ONLY_FLAGS)
    pairs = candidate_pairs(small_model, profiles, loose).pairs
    assert triples(pairs) == [("Low", "High", "alpha"), ("Low", "Mid", "alpha")]
    assert [p.rank for p in pairs] == [1, 2]
    capped = MatchingParams(max_receiving_level=0, **ONLY_FLAGS)
    assert candidate_pairs(small_model, profiles, capped).pairs == ()


def test_flag_policies(small_model: MaturityModel) -> None:
    weak = region(small_model, "Weak", {"alpha": 0, "beta": 0, "gamma": 0}, improve=("beta",))
    unflagged = region(small_model, "Quiet", {"alpha": 0, "beta": 0, "gamma": 0})
    strong = region(small_model, "Strong", {"alpha": 5, "beta": 5, "gamma": 5}, coach=("beta",))
    profiles = [weak, unflagged, strong]

    def needs(policy: str) -> set[tuple[str, str]]:
        params = MatchingParams(improvement_flags=policy, coaching_flags="ignored")
        pairs = candidate_pairs(small_model, profiles, params).pairs
        return {(p.receiving, p.dimension) for p in pairs}

    everything = {(r, d) for r in ("Weak", "Quiet") for d in ("alpha", "beta", "gamma")}
    assert needs("ignored") == everything
    assert needs("required") == {("Weak", "beta")}
    assert needs("when_flagged") == {("Weak", "beta")} | {
        ("Quiet", d) for d in ("alpha", "beta", "gamma")
    }
    # Strong only offers what it flagged for coaching under the default policy.
    default = candidate_pairs(small_model, profiles).pairs
    assert {p.dimension for p in default} == {"beta"}


def test_similarity_uses_only_shared_context_and_neutral_when_none(
    small_model: MaturityModel,
) -> None:
    receiver = region(small_model, "R", {"alpha": 0, "beta": 1, "gamma": None}, improve=("alpha",))
    shared = region(small_model, "S", {"alpha": 5, "beta": 4, "gamma": 5}, coach=("alpha",))
    blind = region(small_model, "B", {"alpha": 4, "beta": None, "gamma": 2}, coach=("alpha",))
    params = MatchingParams(gap_weight=1, similarity_weight=1, neutral_similarity=0.25)
    by_name = {
        p.transferring: p
        for p in candidate_pairs(small_model, [receiver, shared, blind], params).pairs
    }
    assert by_name["S"].shared_context == 1
    assert by_name["S"].similarity == pytest.approx(1 - 3 / 5)
    assert by_name["S"].score == pytest.approx((1.0 + 0.4) / 2, abs=1e-12)
    assert by_name["B"].shared_context == 0
    assert by_name["B"].similarity == 0.25
    assert by_name["B"].score == pytest.approx((0.8 + 0.25) / 2, abs=1e-12)
    assert "no shared context" in by_name["B"].explanation


def test_similarity_dimensions_restrict_the_context(small_model: MaturityModel) -> None:
    receiver = region(small_model, "R", {"alpha": 0, "beta": 0, "gamma": 0}, improve=("alpha",))
    near = region(small_model, "Near", {"alpha": 4, "beta": 0, "gamma": 5}, coach=("alpha",))
    far = region(small_model, "Far", {"alpha": 4, "beta": 5, "gamma": 0}, coach=("alpha",))
    params = MatchingParams(similarity_dimensions=("beta",))
    pairs = candidate_pairs(small_model, [receiver, near, far], params).pairs
    assert [(p.transferring, p.similarity, p.shared_context) for p in pairs] == [
        ("Near", 1.0, 1),
        ("Far", 0.0, 1),
    ]
    # The transferred dimension never counts as its own context.
    own = MatchingParams(similarity_dimensions=("alpha",), neutral_similarity=0.5)
    assert {
        p.similarity for p in candidate_pairs(small_model, [receiver, near, far], own).pairs
    } == {0.5}


def test_ties_break_by_gap_then_dimension_then_name(small_model: MaturityModel) -> None:
    receiver = region(small_model, "R", {"alpha": 0, "beta": 2, "gamma": 2}, improve=("alpha",))
    # Equal scores (0.9): Zeta has the larger gap, so it ranks first despite its name.
    near = region(small_model, "Alpha", {"alpha": 4, "beta": 2, "gamma": 2}, coach=("alpha",))
    far = region(small_model, "Zeta", {"alpha": 5, "beta": 3, "gamma": 3}, coach=("alpha",))
    twin = region(small_model, "Beta", {"alpha": 4, "beta": 2, "gamma": 2}, coach=("alpha",))
    params = MatchingParams(gap_weight=1, similarity_weight=1, **ONLY_FLAGS)
    for order in itertools.permutations([receiver, near, far, twin]):
        pairs = suggest_partners(small_model, list(order), params).pairs
        assert [p.transferring for p in pairs] == ["Zeta", "Alpha", "Beta"]
        assert {p.score for p in pairs} == {0.9}


def test_top_k_is_the_head_of_the_full_ranking_and_chunking_does_not_matter(
    small_model: MaturityModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(7)
    profiles = [
        region(
            small_model,
            f"r{i:02d}",
            {k: rng.choice([None, 0, 1, 2, 3, 4, 5, 5]) for k in small_model.keys},
            improve=tuple(k for k in small_model.keys if rng.random() < 0.3),
            coach=tuple(k for k in small_model.keys if rng.random() < 0.3),
        )
        for i in range(40)
    ]
    params = MatchingParams(top_k=4, min_transfer_level=2)
    everything = candidate_pairs(small_model, profiles, params).pairs
    top = suggest_partners(small_model, profiles, params)
    for name in {p.receiving for p in everything}:
        mine = sorted(
            (p for p in everything if p.receiving == name),
            key=lambda p: (-p.score, -p.gap, small_model.keys.index(p.dimension), p.transferring),
        )
        assert triples(top.for_region(name)) == triples(tuple(mine[:4]))
        assert [p.rank for p in top.for_region(name)] == list(range(1, min(4, len(mine)) + 1))
    monkeypatch.setattr(matching_kernel, "BLOCK_ELEMENTS", 5)
    assert suggest_partners(small_model, profiles, params) == top
    assert candidate_pairs(small_model, profiles, params).pairs == everything


def capacity_case(small_model: MaturityModel) -> list[Profile]:
    flat = {"beta": 0, "gamma": 0}
    return [
        region(small_model, "A", {"alpha": 0, **flat}, improve=("alpha",)),
        region(small_model, "B", {"alpha": 2, **flat}, improve=("alpha",)),
        region(small_model, "X", {"alpha": 5, **flat}, coach=("alpha",)),
        region(small_model, "Y", {"alpha": 3, **flat}, coach=("alpha",)),
    ]


def test_assignment_is_optimal_where_greedy_is_not(small_model: MaturityModel) -> None:
    # Scores are gap / 5: A-X 1.0, A-Y 0.6, B-X 0.6, B-Y excluded (gap 1 < 2). Greedy takes
    # A-X and strands B; the optimum gives A to Y and B to X.
    params = MatchingParams(min_gap=2, similarity_weight=0, capacity=1, **ONLY_FLAGS)
    result = assign_partners(small_model, capacity_case(small_model), params)
    assert triples(result.pairs) == [("A", "Y", "alpha"), ("B", "X", "alpha")]
    assert [p.rank for p in result.pairs] == [2, 1]
    assert result.total_score == pytest.approx(1.2)
    assert result.unmet == ()
    assert {(load.region, load.assigned) for load in result.load} == {("X", 1), ("Y", 1)}
    assert result.needs == 2


def test_capacity_overrides(small_model: MaturityModel) -> None:
    profiles = capacity_case(small_model)
    base = {"min_gap": 2, "similarity_weight": 0, "capacity": 1, **ONLY_FLAGS}
    doubled = assign_partners(
        small_model, profiles, MatchingParams(**base, capacity_overrides={"X": 2})
    )
    assert triples(doubled.pairs) == [("A", "X", "alpha"), ("B", "X", "alpha")]
    assert doubled.total_score == pytest.approx(1.6)
    closed = assign_partners(
        small_model, profiles, MatchingParams(**base, capacity_overrides={"X": 0})
    )
    assert triples(closed.pairs) == [("A", "Y", "alpha")]
    (unmet,) = closed.unmet
    assert (unmet.receiving, unmet.reason, unmet.candidates) == ("B", "no_candidate", 0)
    assert all(load.region != "X" for load in closed.load)


def test_full_capacity_is_reported_as_the_reason(small_model: MaturityModel) -> None:
    flat = {"beta": 0, "gamma": 0}
    profiles = [
        region(small_model, "A1", {"alpha": 0, **flat}, improve=("alpha",)),
        region(small_model, "A2", {"alpha": 0, **flat}, improve=("alpha",)),
        region(small_model, "X", {"alpha": 5, **flat}, coach=("alpha",)),
    ]
    result = assign_partners(small_model, profiles, MatchingParams(capacity=1, **ONLY_FLAGS))
    assert len(result.pairs) == 1
    (unmet,) = result.unmet
    assert (unmet.reason, unmet.candidates) == ("capacity", 1)
    assert unmet.receiving in {"A1", "A2"} and unmet.receiving != result.pairs[0].receiving


def test_allowed_pairs_score_above_zero_even_with_a_vanishing_gap_weight(
    small_model: MaturityModel,
) -> None:
    """Rounding must not turn an allowed pair into a 0 the solver cannot tell from an
    excluded one: B's only partner X has room, so B gets X."""
    flat = {"beta": 0, "gamma": 0}
    profiles = [
        region(small_model, "A", {"alpha": 0, **flat}, improve=("beta",)),
        region(small_model, "B", {"alpha": 0, **flat}, improve=("alpha",)),
        region(small_model, "X", {"alpha": 5, "beta": 5, "gamma": 5}, coach=("alpha",)),
    ]
    params = MatchingParams(
        capacity=1, gap_weight=1e-13, similarity_weight=1, neutral_similarity=0, **ONLY_FLAGS
    )
    (pair,) = candidate_pairs(small_model, profiles, params).pairs
    assert pair.score > 0
    result = assign_partners(small_model, profiles, params)
    assert triples(result.pairs) == [("B", "X", "alpha")]
    assert [(u.receiving, u.reason) for u in result.unmet] == [("A", "no_candidate")]


def test_a_flagged_need_at_the_top_of_the_scale_is_reported_not_dropped(
    small_model: MaturityModel,
) -> None:
    flat = {"beta": 0, "gamma": 0}
    profiles = [
        region(small_model, "Top", {"alpha": 5, **flat}, improve=("alpha",)),
        region(small_model, "X", {"alpha": 5, **flat}, coach=("alpha",)),
    ]
    result = assign_partners(small_model, profiles, MatchingParams(**ONLY_FLAGS))
    (unmet,) = result.unmet
    assert (unmet.receiving, unmet.dimension, unmet.reason) == ("Top", "alpha", "no_room")
    assert result.pairs == () and result.needs == 0


def test_missing_scores(small_model: MaturityModel) -> None:
    blank = region(
        small_model, "Blank", {"alpha": None, "beta": 0, "gamma": 0}, improve=("alpha", "beta")
    )
    strong = region(
        small_model, "Strong", {"alpha": 5, "beta": None, "gamma": 4}, coach=("alpha", "beta")
    )
    other = region(small_model, "Other", {"alpha": 4, "beta": 4, "gamma": 4}, coach=("beta",))
    result = assign_partners(small_model, [blank, strong, other], MatchingParams(**ONLY_FLAGS))
    # Blank cannot receive alpha (unscored); Strong cannot give beta (unscored).
    assert triples(result.pairs) == [("Blank", "Other", "beta")]
    assert [(u.receiving, u.dimension, u.reason) for u in result.unmet] == [
        ("Blank", "alpha", "missing_score")
    ]


def brute_force_total(pairs: tuple[object, ...], capacity: int) -> float:
    """Best total over every way of giving each need at most one partner within capacity."""
    options: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for p in pairs:
        need = (p.receiving, p.dimension)  # type: ignore[attr-defined]
        options.setdefault(need, []).append((p.transferring, p.score))  # type: ignore[attr-defined]
    needs = sorted(options)
    best = 0.0
    for choice in itertools.product(*[[None, *options[n]] for n in needs]):
        used: dict[str, int] = {}
        total = 0.0
        for option in choice:
            if option is not None:
                used[option[0]] = used.get(option[0], 0) + 1
                total += option[1]
        if all(count <= capacity for count in used.values()):
            best = max(best, total)
    return best


@pytest.mark.parametrize("seed", range(6))
def test_assignment_total_matches_brute_force(seed: int) -> None:
    model = parse_model(make_model_data(("alpha", "beta", "gamma", "delta")))
    rng = random.Random(seed)
    profiles = [
        region(
            model,
            f"r{i}",
            {k: rng.randint(0, 5) for k in model.keys},
            improve=(rng.choice(model.keys),) if i < 4 else (),
            coach=tuple(rng.sample(model.keys, 2)) if i >= 4 else (),
        )
        for i in range(7)
    ]
    params = MatchingParams(capacity=1, min_transfer_level=2, **ONLY_FLAGS)
    result = assign_partners(model, profiles, params)
    candidates = candidate_pairs(model, profiles, params).pairs
    assert result.total_score == pytest.approx(brute_force_total(candidates, 1), abs=1e-9)
    allowed = {(p.receiving, p.transferring, p.dimension): p for p in candidates}
    for pair in result.pairs:
        assert pair == allowed[(pair.receiving, pair.transferring, pair.dimension)].model_copy(
            update={"rank": pair.rank}
        )
        assert pair.rank == allowed[(pair.receiving, pair.transferring, pair.dimension)].rank


@pytest.mark.parametrize(
    ("kwargs", "location"),
    [
        ({"min_gap": 0}, ("min_gap",)),
        ({"gap_weight": 0}, ("gap_weight",)),
        ({"similarity_weight": -1}, ("similarity_weight",)),
        ({"neutral_similarity": 1.5}, ("neutral_similarity",)),
        ({"capacity": 0}, ("capacity",)),
        ({"capacity_overrides": {"X": -1}}, ("capacity_overrides", "X")),
        ({"top_k": 0}, ("top_k",)),
        ({"min_gap": math.nan}, ("min_gap",)),
        ({"improvement_flags": "sometimes"}, ("improvement_flags",)),
        ({"weights": 1}, ("weights",)),
    ],
)
def test_bad_parameters_name_the_parameter(
    kwargs: dict[str, object], location: tuple[str, ...]
) -> None:
    with pytest.raises(ParameterError) as caught:
        MatchingParams(**kwargs)
    assert caught.value.location == location


@pytest.mark.parametrize(
    ("kwargs", "location"),
    [
        ({"min_transfer_level": 6}, ("min_transfer_level",)),
        ({"max_receiving_level": -1}, ("max_receiving_level",)),
        ({"min_gap": 6}, ("min_gap",)),
        ({"similarity_dimensions": ["alpha", "zeta"]}, ("similarity_dimensions", 1)),
        ({"similarity_dimensions": []}, ("similarity_dimensions",)),
        ({"capacity_overrides": {"Nowhere": 1}}, ("capacity_overrides", "Nowhere")),
    ],
)
def test_parameters_are_checked_against_model_and_regions(
    small_model: MaturityModel, kwargs: dict[str, object], location: tuple[str | int, ...]
) -> None:
    profiles = capacity_case(small_model)
    with pytest.raises(ParameterError) as caught:
        suggest_partners(small_model, profiles, MatchingParams(**kwargs))
    assert caught.value.location == location


def test_unknown_dimension_filter(small_model: MaturityModel) -> None:
    with pytest.raises(ParameterError) as caught:
        candidate_pairs(small_model, capacity_case(small_model), dimension="zeta")
    assert caught.value.field == "dimension"


def test_regions_must_be_named_once_and_share_one_model(small_model: MaturityModel) -> None:
    scores = {"alpha": 1, "beta": 1, "gamma": 1}
    one = region(small_model, "Same", scores)
    with pytest.raises(RatingError) as caught:
        suggest_partners(small_model, [one, region(small_model, "Same", scores)])
    assert caught.value.location == ("profiles", 1, "region")
    with pytest.raises(RatingError) as caught:
        assign_partners(small_model, [one, region(small_model, "", scores)])
    assert caught.value.location == ("profiles", 1, "region")
    other_model = parse_model(make_model_data(version="2"))
    with pytest.raises(RatingError) as caught:
        candidate_pairs(small_model, [one, region(other_model, "Else", scores)])
    assert caught.value.location == ("profiles", 1, "model")


def test_empty_and_tiny_inputs(small_model: MaturityModel) -> None:
    assert suggest_partners(small_model, []).pairs == ()
    alone = region(small_model, "Alone", {"alpha": 0, "beta": 0, "gamma": 0})
    result = assign_partners(small_model, [alone])
    assert result.pairs == () and result.total_score == 0
    assert {u.reason for u in result.unmet} == {"no_candidate"}
    assert suggest_partners(small_model, [alone]).without_candidates == ("Alone",)


def test_results_are_json_ready(small_model: MaturityModel) -> None:
    result = assign_partners(small_model, capacity_case(small_model))
    data = result.model_dump(mode="json")
    assert data["model"] == {"id": "test-model", "version": "1"}
    assert data["params"]["capacity"] == 2
    assert set(data["pairs"][0]) >= {
        "receiving",
        "transferring",
        "dimension",
        "receiving_score",
        "transferring_score",
        "gap",
        "similarity",
        "score",
        "rank",
        "explanation",
    }
