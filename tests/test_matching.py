import itertools
import math
import pickle
import random
from collections.abc import Callable, Mapping, Sequence

import pytest
from pydantic import ValidationError

from assessment import (
    BudgetError,
    MatchingBudget,
    MatchingParams,
    MaturityModel,
    ParameterError,
    Profile,
    RatingError,
    assign_partners,
    build_profile,
    candidate_pairs,
    default_model,
    estimate_work,
    matching_kernel,
    parse_model,
    receiving_regions,
    suggest_partners,
)
from assessment.matching import CAPACITY_LIMIT
from assessment.matching_reference import COMPARED
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


def triples(pairs: Sequence[object]) -> list[tuple[str, str, str]]:
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
    monkeypatch.setattr(matching_kernel, "DENSE_PAIRS", 0)
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


def brute_force_total(pairs: Sequence[object], capacity: int) -> float:
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
        ({"capacity": 2**63}, ("capacity",)),  # beyond 64-bit integers: never an overflow
        ({"capacity": CAPACITY_LIMIT + 1}, ("capacity",)),
        ({"capacity_overrides": {"X": 2**63}}, ("capacity_overrides", "X")),
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
        *COMPARED,
        "dimension_name",
        "similarity_rounded",
        "score_rounded",
        "reasons",
        "alike",
        "different",
        "explanation",
    }
    assert set(data["unmet"][0]) >= {"reason", "condition", "parameter", "message"}


# --- explanations -------------------------------------------------------------------------


def test_a_pair_says_why_it_is_allowed_and_what_makes_the_regions_alike() -> None:
    model = default_model()
    base = dict.fromkeys(model.keys, 2)
    norrbotten = region(
        model,
        "Norrbotten",
        {**base, "innovation_management": 1, "funding": 3},
        improve=("innovation_management",),
        coach=("digital_infrastructure",),
    )
    scotland = region(
        model,
        "Scotland",
        {**base, "innovation_management": 4, "structure_governance": 4, "readiness_to_change": 3},
        improve=("population_approach",),
        coach=("innovation_management",),
    )
    params = MatchingParams(max_receiving_level=2)
    (pair,) = suggest_partners(model, [scotland, norrbotten], params).pairs
    why = pair.reasons
    assert (why.need.basis, why.need.text) == ("flagged", "flagged for improvement")
    assert (why.offer.basis, why.offer.text) == ("flagged", "flagged for coaching")
    assert (why.gap.value, why.gap.limit, why.gap.margin) == (3, 1.0, 2.0)
    assert why.gap.text == "gap 3 >= min_gap 1"
    assert why.transfer_level.text == "transferring level 4 >= min_transfer_level 3"
    assert why.receiving_level.text == "receiving level 1 <= max_receiving_level 2"
    assert why.receiving_level.margin == 1.0
    assert why.confidence.weight == 1.0 and why.confidence.text == "no uncertain score"
    # Ten context dimensions agree (model order breaks ties); three differ, the largest first.
    assert [d.dimension for d in pair.alike] == [
        "digital_infrastructure",
        "process_coordination",
        "removal_of_inhibitors",
    ]
    assert [(d.dimension, d.receiving_score, d.transferring_score) for d in pair.different] == [
        ("structure_governance", 2, 4),
        ("readiness_to_change", 2, 3),
        ("funding", 3, 2),
    ]
    assert pair.similarity == pytest.approx(1 - 4 / 55)
    assert (pair.similarity_rounded, pair.score_rounded) == (0.93, 0.73)
    assert pair.explanation == (
        "#1: Norrbotten (1) learns Innovation management from Scotland (4): gap 3, "
        "similarity 0.93 over 11 shared dimensions, score 0.73. Allowed: Norrbotten flagged "
        "for improvement, Scotland flagged for coaching; gap 3 >= min_gap 1; transferring "
        "level 4 >= min_transfer_level 3; receiving level 1 <= max_receiving_level 2. Alike on "
        "Digital infrastructure (2 vs 2), Process coordination (2 vs 2), Removal of inhibitors "
        "(2 vs 2). Different on Structure & governance (2 vs 4), Readiness to change (2 vs 3), "
        "Funding (3 vs 2)."
    )
    data = pair.model_dump(mode="json")
    assert data["reasons"]["need"]["text"] == "flagged for improvement"
    assert data["score_rounded"] == 0.73 and data["explanation"] == pair.explanation
    assert type(pair).model_validate(data) == pair


def test_pairs_built_without_validation_behave_as_validated_ones() -> None:
    """Result pairs are assembled from trusted values slot by slot (no validation per pair):
    each must be indistinguishable from the same pair validated field by field."""
    model = default_model()
    levels = ({**dict.fromkeys(model.keys, 2), "funding": v} for v in (0, 1, 3, 4, 5))
    regions = [region(model, f"R{i}", scores) for i, scores in enumerate(levels)]
    pairs = candidate_pairs(model, regions, dimension="funding").pairs
    assert len(pairs) >= 4
    for pair in pairs:
        validated = type(pair).model_validate(pair.model_dump())
        assert pair == validated and hash(pair) == hash(validated)
        assert pair.model_fields_set == validated.model_fields_set == set(type(pair).model_fields)
        assert pair.__pydantic_extra__ is None and pair.__pydantic_private__ is None
        assert pickle.loads(pickle.dumps(pair)) == pair
        assert pair.model_dump_json() == validated.model_dump_json()
        moved = pair.model_copy(update={"rank": pair.rank + 1})
        assert moved.rank == pair.rank + 1 and pair == validated
    with pytest.raises(ValidationError):
        pairs[0].rank = 0  # type: ignore[misc]


def test_flag_reasons_name_the_policy_that_counted_the_dimension(
    small_model: MaturityModel,
) -> None:
    quiet = region(small_model, "Quiet", {"alpha": 0, "beta": 0, "gamma": 0})
    strong = region(small_model, "Strong", {"alpha": 5, "beta": 5, "gamma": 5}, improve=("beta",))
    pairs = candidate_pairs(
        small_model, [quiet, strong], MatchingParams(coaching_flags="ignored")
    ).pairs
    assert {p.receiving for p in pairs} == {"Quiet"}
    for pair in pairs:
        assert pair.reasons.need.basis == "region_flagged_none"
        assert (
            pair.reasons.need.text
            == "counted: region flagged nothing (improvement_flags=when_flagged)"
        )
        assert pair.reasons.offer.basis == "flags_ignored"
        assert pair.reasons.offer.text == "counted: policy ignored (coaching_flags=ignored)"
        assert pair.reasons.transfer_level.limit == 3.0


# --- unmet needs --------------------------------------------------------------------------


def unmet_of(
    model: MaturityModel, profiles: list[Profile], params: MatchingParams
) -> dict[str, object]:
    (need,) = assign_partners(model, profiles, params).unmet
    (same,) = suggest_partners(model, profiles, params).unmet
    if need.reason != "capacity":
        assert same == need  # suggestions name the same condition
    return need.model_dump()


def test_unmet_needs_name_the_condition_that_failed(small_model: MaturityModel) -> None:
    flat = {"beta": 1, "gamma": 1}
    need = region(small_model, "Need", {"alpha": 1, **flat}, improve=("alpha",))
    low = region(small_model, "Low", {"alpha": 2, **flat}, coach=("alpha",))
    close = region(small_model, "Close", {"alpha": 3, **flat}, coach=("alpha",))
    only = MatchingParams(**ONLY_FLAGS)

    nobody = unmet_of(small_model, [need], only)
    assert (nobody["reason"], nobody["condition"], nobody["parameter"]) == (
        "no_candidate",
        "no_offer",
        "coaching_flags",
    )
    assert nobody["message"] == (
        "no other region offers Alpha under coaching_flags=required (with capacity above 0)"
    )

    too_low = unmet_of(small_model, [need, low], only)
    assert too_low["condition"] == "transfer_level"
    assert (too_low["best"], too_low["limit"], too_low["shortfall"]) == (2.0, 3.0, 1.0)
    assert too_low["message"] == (
        "offers exist but none reaches min_transfer_level 3: the best is at level 2, 1 short"
    )

    too_close = unmet_of(small_model, [need, low, close], MatchingParams(min_gap=3, **ONLY_FLAGS))
    assert too_close["condition"] == "gap" and too_close["parameter"] == "min_gap"
    assert (too_close["best"], too_close["limit"], too_close["shortfall"]) == (2.0, 3.0, 1.0)

    rival = region(small_model, "Rival", {"alpha": 0, **flat}, improve=("alpha",))
    full = assign_partners(
        small_model, [need, close, rival], MatchingParams(capacity=1, **ONLY_FLAGS)
    ).unmet
    (waiting,) = full
    assert (waiting.reason, waiting.condition, waiting.full_partners) == (
        "capacity",
        "capacity",
        ("Close",),
    )
    assert waiting.message == "all 1 allowed transferring regions are at capacity: Close"


# --- uncertain scores ---------------------------------------------------------------------


def split(profile: Profile, *keys: str) -> Profile:
    """The profile with a split panel (an uncertain score) on ``keys``."""
    scores = tuple(
        s.model_copy(update={"agreement": "split" if s.dimension in keys else "agreed"})
        for s in profile.scores
    )
    return profile.model_copy(update={"scores": scores})


def test_uncertain_scores_can_be_included_excluded_or_down_weighted(
    small_model: MaturityModel,
) -> None:
    flat = {"beta": 0, "gamma": 0}
    need = region(small_model, "Need", {"alpha": 0, **flat}, improve=("alpha",))
    firm = region(small_model, "Firm", {"alpha": 4, **flat}, coach=("alpha",))
    shaky = split(region(small_model, "Shaky", {"alpha": 5, **flat}, coach=("alpha",)), "alpha")
    profiles = [need, firm, shaky]

    included = suggest_partners(small_model, profiles, MatchingParams(**ONLY_FLAGS)).pairs
    assert [p.transferring for p in included] == ["Shaky", "Firm"]
    assert included[0].reasons.confidence.transferring == "split"
    assert included[0].reasons.confidence.text == (
        "transferring score uncertain (split panel), included (uncertain_scores=include)"
    )
    assert "Confidence:" in included[0].explanation

    excluded = suggest_partners(
        small_model, profiles, MatchingParams(uncertain_scores="exclude", **ONLY_FLAGS)
    ).pairs
    assert [p.transferring for p in excluded] == ["Firm"]

    weighted = suggest_partners(
        small_model,
        profiles,
        MatchingParams(uncertain_scores="down_weight", uncertain_weight=0.5, **ONLY_FLAGS),
    ).pairs
    assert [p.transferring for p in weighted] == ["Firm", "Shaky"]
    shaky_pair = weighted[1]
    assert shaky_pair.score == pytest.approx(included[0].score * 0.5, abs=1e-12)
    assert shaky_pair.reasons.confidence.weight == 0.5
    assert shaky_pair.reasons.confidence.text == (
        "transferring score uncertain (split panel): score x0.5 (uncertain_scores=down_weight)"
    )
    both = suggest_partners(
        small_model,
        [split(need, "alpha"), shaky],
        MatchingParams(uncertain_scores="down_weight", uncertain_weight=0.5, **ONLY_FLAGS),
    ).pairs
    assert both[0].score == pytest.approx(included[0].score * 0.25, abs=1e-12)


def need_and_shaky(small_model: MaturityModel) -> tuple[Profile, Profile]:
    """Need wants alpha (at 0); Shaky offers it at 5, on a split panel."""
    flat = {"beta": 0, "gamma": 0}
    need = region(small_model, "Need", {"alpha": 0, **flat}, improve=("alpha",))
    shaky = split(region(small_model, "Shaky", {"alpha": 5, **flat}, coach=("alpha",)), "alpha")
    return need, shaky


def test_an_excluded_uncertain_need_is_reported_and_uncertain_offers_are_named(
    small_model: MaturityModel,
) -> None:
    need, shaky = need_and_shaky(small_model)
    params = MatchingParams(uncertain_scores="exclude", **ONLY_FLAGS)
    (offers,) = assign_partners(small_model, [need, shaky], params).unmet
    assert (offers.condition, offers.parameter, offers.policy) == (
        "uncertain_offers",
        "uncertain_scores",
        "exclude",
    )
    (own,) = assign_partners(small_model, [split(need, "alpha"), shaky], params).unmet
    assert (own.reason, own.condition) == ("uncertain", "uncertain_need")
    assert own.message.endswith("(uncertain_scores=exclude)")


def test_uncertain_weight_must_be_a_share() -> None:
    for bad in (0, 1.5, -0.1):
        with pytest.raises(ParameterError) as caught:
            MatchingParams(uncertain_weight=bad)
        assert caught.value.location == ("uncertain_weight",)
    with pytest.raises(ParameterError) as caught:
        MatchingParams(uncertain_scores="maybe")
    assert caught.value.location == ("uncertain_scores",)


def test_an_uncertain_pairs_explanation_says_how_its_score_was_weighted(
    small_model: MaturityModel,
) -> None:
    need, shaky = need_and_shaky(small_model)
    params = MatchingParams(uncertain_scores="down_weight", max_receiving_level=1, **ONLY_FLAGS)
    (pair,) = suggest_partners(small_model, [split(need, "alpha"), shaky], params).pairs
    assert pair.explanation == (
        "#1: Need (0) learns Alpha from Shaky (5): gap 5, similarity 1.00 over 2 shared "
        "dimensions, score 0.25. Allowed: Need flagged for improvement, Shaky flagged for "
        "coaching; gap 5 >= min_gap 1; transferring level 5 >= min_transfer_level 3; receiving "
        "level 0 <= max_receiving_level 1. Confidence: receiving score and transferring score "
        "uncertain (split panel): score x0.25 (uncertain_scores=down_weight). Alike on Beta "
        "(0 vs 0), Gamma (0 vs 0)."
    )


def test_texts_are_computed_once_per_shared_reason_and_stay_out_of_equality_and_dumps(
    small_model: MaturityModel,
) -> None:
    """A result shares one reason object among the pairs with the same reason; its text is
    computed when first read and kept. Reading it changes no comparison, hash or dump, and a
    copy with other values has its own text."""
    need = region(small_model, "Need", {"alpha": 0, "beta": 0, "gamma": 0}, improve=("alpha",))
    givers = [
        region(small_model, f"G{n}", {"alpha": 4, "beta": n, "gamma": 1}, coach=("alpha",))
        for n in range(3)
    ]
    pairs = suggest_partners(small_model, [need, *givers], MatchingParams(**ONLY_FLAGS)).pairs
    assert len(pairs) == 3
    assert len({id(pair.reasons.need) for pair in pairs}) == 1
    fresh = [type(pair).model_validate(pair.model_dump()) for pair in pairs]
    texts = [pair.explanation for pair in pairs]
    need_text = pairs[0].reasons.need.text
    assert need_text == "flagged for improvement" and pairs[0].reasons.need.text is need_text
    for pair, validated, text in zip(pairs, fresh, texts, strict=True):
        assert text == validated.explanation
        for reasons in (pair.reasons, validated.reasons):
            assert "text" in vars(reasons.gap) and "conditions_text" in vars(reasons)
        unread = type(pair).model_validate(pair.model_dump())
        assert pair == unread and hash(pair.reasons) == hash(unread.reasons)
        assert pair.reasons.gap == unread.reasons.gap and "text" not in vars(unread.reasons.gap)
        assert pair.model_dump() == unread.model_dump()
        assert pair.model_dump_json() == unread.model_dump_json()
        assert pickle.loads(pickle.dumps(pair.reasons)) == pair.reasons
    gap = pairs[0].reasons.gap
    wider = gap.model_copy(update={"value": gap.value + 1})
    assert wider.text == f"gap {gap.value + 1} >= min_gap 1" != gap.text
    same = gap.model_copy()
    assert same.text == gap.text and same == gap
    reasons = pairs[0].reasons
    weighed = reasons.model_copy(update={"gap": wider})
    assert weighed.conditions_text.startswith(wider.text) and reasons.conditions_text.startswith(
        gap.text
    )


# --- bounded work -------------------------------------------------------------------------


def test_the_work_estimate_counts_what_matching_does(small_model: MaturityModel) -> None:
    rng = random.Random(3)
    profiles = [
        region(
            small_model,
            f"r{i:02d}",
            {k: rng.choice([None, 0, 1, 2, 3, 4, 5]) for k in small_model.keys},
            improve=tuple(k for k in small_model.keys if rng.random() < 0.4),
            coach=tuple(k for k in small_model.keys if rng.random() < 0.4),
        )
        for i in range(30)
    ]
    params = MatchingParams(min_transfer_level=2, top_k=2)
    work = estimate_work(small_model, profiles, params)
    candidates = candidate_pairs(small_model, profiles, params)
    assert work.pairs == len(candidates.pairs) > 0
    assert work.suggestions == len(suggest_partners(small_model, profiles, params).pairs)
    assert work.needs == assign_partners(small_model, profiles, params).needs
    assert work.regions == 30
    assert work.receiving_regions == len(
        {p.receiving for p in candidates.pairs} | set(candidates.without_candidates)
    )
    assert work.assignment_edges_min <= work.assignment_edges_max
    degree: dict[str, int] = {}
    for pair in candidates.pairs:
        degree[pair.transferring] = degree.get(pair.transferring, 0) + 1
    assert work.assignment_slots == sum(min(params.capacity, d) for d in degree.values())
    assert work.assignment_edges_max == sum(d * min(params.capacity, d) for d in degree.values())
    alpha = estimate_work(small_model, profiles, params, dimension="alpha")
    assert alpha.pairs == len(
        candidate_pairs(small_model, profiles, params, dimension="alpha").pairs
    )


@pytest.mark.parametrize(
    ("params", "budget", "call", "location"),
    [
        (MatchingParams(top_k=5), MatchingBudget(max_suggestions=3), "suggest", ("top_k",)),
        (
            MatchingParams(improvement_flags="ignored"),
            MatchingBudget(max_scored_pairs=1),
            "suggest",
            ("improvement_flags",),
        ),
        (MatchingParams(), MatchingBudget(max_candidates=1), "candidates", ("improvement_flags",)),
        (
            MatchingParams(min_transfer_level=None),
            MatchingBudget(max_pairs=1),
            "assign",
            ("min_transfer_level",),
        ),
        (
            MatchingParams(capacity=3),
            MatchingBudget(max_assignment_edges=2),
            "assign",
            ("capacity",),
        ),
    ],
)
def test_work_over_budget_is_refused_naming_the_parameter(
    small_model: MaturityModel,
    params: MatchingParams,
    budget: MatchingBudget,
    call: str,
    location: tuple[str, ...],
) -> None:
    flat = {"beta": 1, "gamma": 1}
    profiles = [
        region(small_model, f"N{i}", {"alpha": 0, **flat}, improve=("alpha",)) for i in range(3)
    ] + [region(small_model, f"T{i}", {"alpha": 5, **flat}, coach=("alpha",)) for i in range(3)]
    runs: dict[str, Callable[..., object]] = {
        "suggest": suggest_partners,
        "candidates": candidate_pairs,
        "assign": assign_partners,
    }
    run = runs[call]
    with pytest.raises(BudgetError) as caught:
        run(small_model, profiles, params, budget=budget)
    assert caught.value.location == location
    assert "budget" in caught.value.message
    run(small_model, profiles, params)  # the default budget admits it


def test_assignment_at_a_huge_capacity_stays_sparse_and_optimal() -> None:
    """The case that took 73-90 s and 22.5 GB with a dense needs x slots matrix (every
    dimension a need, capacity 1000): the same optimum as capacity = number of needs."""
    model = default_model()
    rng = random.Random(11)
    profiles = [
        region(model, f"r{i:03d}", {k: rng.randint(0, 5) for k in model.keys}) for i in range(150)
    ]
    loose = {"improvement_flags": "ignored", "coaching_flags": "ignored"}
    work = estimate_work(model, profiles, MatchingParams(capacity=1000, **loose))
    assert work.assignment_edges_max > MatchingBudget().max_assignment_edges  # dense-ish
    result = assign_partners(model, profiles, MatchingParams(capacity=1000, **loose))
    assert result.needs == work.needs and result.unmet == ()
    # Capacity never binds here, so every need takes its best candidate.
    candidates = candidate_pairs(model, profiles, MatchingParams(**loose)).pairs
    best = sum(p.score for p in candidates if p.rank == 1)
    assert result.total_score == pytest.approx(best, abs=1e-9)
    assert all(p.rank == 1 for p in result.pairs)


def test_suggestions_for_a_page_of_receiving_regions(small_model: MaturityModel) -> None:
    """A page of receiving regions costs its own share of the budget and gets its own share
    of the answer; names outside the profiles are refused by name."""
    flat = {"beta": 1, "gamma": 1}
    profiles = [
        region(small_model, f"N{i}", {"alpha": 0, **flat}, improve=("alpha",)) for i in range(3)
    ] + [region(small_model, f"T{i}", {"alpha": 5, **flat}, coach=("alpha",)) for i in range(3)]
    # The transferring regions flagged nothing for improvement: every dimension is a need.
    assert receiving_regions(small_model, profiles) == ("N0", "N1", "N2", "T0", "T1", "T2")
    flagged = MatchingParams(top_k=2, improvement_flags="required")
    assert receiving_regions(small_model, profiles, flagged) == ("N0", "N1", "N2")
    budget = MatchingBudget(max_suggestions=3)
    with pytest.raises(BudgetError):
        suggest_partners(small_model, profiles, flagged, budget=budget)
    page = suggest_partners(small_model, profiles, flagged, receiving=["N1"], budget=budget)
    assert [(p.receiving, p.transferring) for p in page.pairs] == [("N1", "T0"), ("N1", "T1")]
    with pytest.raises(ParameterError) as caught:
        suggest_partners(small_model, profiles, receiving=["N1", "Nowhere"])
    assert caught.value.location == ("receiving", "Nowhere")
    with pytest.raises(ParameterError) as caught:
        suggest_partners(small_model, profiles, receiving="N1")
    assert caught.value.location == ("receiving",)
