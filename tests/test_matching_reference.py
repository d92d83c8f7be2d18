"""The bucketed kernel returns exactly what today's algorithm returned.

``assessment.matching_reference`` is the matching code before the kernel was rewritten. On
many seeded random cases (ties, missing scores, every flag policy, similarity dimensions,
capacity overrides, small and odd scales, one to twelve dimensions) both must give the same
pairs with the same ranks, scores and similarities, the same regions without candidates, and
the same optimal assignment total.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from assessment import (
    ConsensusScore,
    MatchingParams,
    MaturityModel,
    Profile,
    assign_partners,
    candidate_pairs,
    default_model,
    matching_assign,
    matching_kernel,
    parse_model,
    suggest_partners,
)
from assessment import matching_reference as reference
from assessment.matching_regions import prepare
from tests.conftest import make_model_data

CASES = 96


@dataclass(frozen=True)
class Case:
    model: MaturityModel
    profiles: list[Profile]
    params: MatchingParams

    def __repr__(self) -> str:
        scale = f"{self.model.scale.min}-{self.model.scale.max}"
        return (
            f"Case({len(self.profiles)} regions, {len(self.model.keys)} dimensions, "
            f"scale {scale}, {self.params.model_dump(exclude_defaults=True)})"
        )


def random_case(seed: int) -> Case:
    """Regions and parameters drawn from ``seed``; every fourth case uses coarse scores and
    equal weights so that ties are everywhere."""
    rng = np.random.default_rng(seed)
    if seed % 7 == 0:
        model = default_model()
    else:
        m = int(rng.integers(1, 7))
        lo = int(rng.integers(-1, 2))
        hi = lo + int(rng.choice([1, 2, 3, 5, 7]))
        model = parse_model(make_model_data(tuple(f"d{i}" for i in range(m)), lo=lo, hi=hi))
    lo, hi, keys = model.scale.min, model.scale.max, model.keys
    ties = seed % 4 == 0
    n = int(rng.choice([0, 1, 2, 5, 12, 30, 60, 120]))
    missing = float(rng.choice([0.0, 0.1, 0.3]))
    profiles = []
    for i in range(n):
        if ties:
            row = rng.choice([lo, hi, (lo + hi) // 2], size=len(keys))
        else:
            row = rng.integers(lo, hi + 1, size=len(keys))
        scored = rng.random(len(keys)) >= missing
        improve = rng.random(len(keys)) < rng.choice([0.0, 0.2, 0.5])
        coach = rng.random(len(keys)) < rng.choice([0.0, 0.2, 0.5])
        scores = tuple(
            ConsensusScore(
                dimension=key,
                score=int(row[c]) if scored[c] else None,
                source="workshop",
                for_improvement=bool(improve[c]),
                for_coaching=bool(coach[c]),
            )
            for c, key in enumerate(keys)
        )
        profiles.append(
            Profile(
                model=model.ref,
                region=f"R{int(rng.integers(0, 10**6)):06d}-{i}",
                scores=scores,
                overall=None,
                completeness=1.0,
            )
        )
    rng.shuffle(profiles)
    return Case(model, profiles, random_params(rng, model, [p.region for p in profiles], ties))


def random_params(
    rng: np.random.Generator, model: MaturityModel, names: list[str], ties: bool
) -> MatchingParams:
    lo, hi = model.scale.min, model.scale.max
    span = hi - lo
    policies = ["when_flagged", "required", "ignored"]
    level = [None, None, float(rng.integers(lo, hi + 1)), float(rng.uniform(lo, hi))]
    kwargs: dict[str, Any] = {
        "min_gap": float(rng.choice([1.0, 1.0, 0.5, min(2.0, span), span, 1.5 if span > 1 else 1])),
        "min_transfer_level": level[int(rng.integers(0, 4))],
        "max_receiving_level": level[int(rng.integers(0, 4))],
        "improvement_flags": policies[int(rng.integers(0, 3))],
        "coaching_flags": policies[int(rng.integers(0, 3))],
        "gap_weight": 1.0 if ties else float(rng.choice([0.6, 0.05, 2.0, 1.0])),
        "similarity_weight": 1.0 if ties else float(rng.choice([0.4, 0.0, 1.0, 3.0])),
        "neutral_similarity": float(rng.choice([0.5, 0.0, 0.25, 1.0])),
        "capacity": int(rng.integers(1, 4)),
        "top_k": int(rng.choice([1, 2, 3, 5, 12])),
    }
    if rng.random() < 0.4:
        count = int(rng.integers(1, len(model.keys) + 1))
        kwargs["similarity_dimensions"] = tuple(
            str(k) for k in rng.choice(model.keys, size=count, replace=False)
        )
    if names and rng.random() < 0.5:
        chosen = rng.choice(names, size=min(len(names), 4), replace=False)
        kwargs["capacity_overrides"] = {str(name): int(rng.integers(0, 4)) for name in chosen}
    return MatchingParams(**kwargs)


CASE_LIST = [random_case(seed) for seed in range(CASES)]


@pytest.fixture(params=["buckets", "one block"])
def kernel_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run with every dimension bucketed, or every dimension in one block (the kernel picks
    by size; small test sets would otherwise only take the one-block path)."""
    limit = 0 if request.param == "buckets" else 1 << 40
    monkeypatch.setattr(matching_kernel, "DENSE_PAIRS", limit)
    return str(request.param)


@pytest.fixture(params=["sparse", "dense"])
def solver(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the assignment with the sparse graph, or with the dense matrix (the library
    picks by size)."""
    monkeypatch.setattr(matching_assign, "DENSE_CELLS", 0 if request.param == "sparse" else 1 << 40)
    return str(request.param)


@pytest.mark.parametrize("case", CASE_LIST, ids=[f"seed{i}" for i in range(CASES)])
def test_suggestions_and_candidates_equal_the_reference(case: Case, kernel_path: str) -> None:
    model, profiles, params = case.model, case.profiles, case.params
    new, old = (
        suggest_partners(model, profiles, params),
        reference.suggest_partners(model, profiles, params),
    )
    assert reference.comparable(new.pairs) == reference.comparable(old.pairs)
    assert new.without_candidates == old.without_candidates
    new_all, old_all = (
        candidate_pairs(model, profiles, params),
        reference.candidate_pairs(model, profiles, params),
    )
    assert reference.comparable(new_all.pairs) == reference.comparable(old_all.pairs)
    assert new_all.without_candidates == old_all.without_candidates
    receive = prepare(model, profiles, params).receive
    names = sorted(p.region for p in profiles)
    for column, key in enumerate(model.keys):
        new_one = candidate_pairs(model, profiles, params, dimension=key)
        old_one = reference.candidate_pairs(model, profiles, params, dimension=key)
        assert reference.comparable(new_one.pairs) == reference.comparable(old_one.pairs)
        # The reference listed regions needing *any* dimension; a one-dimension result now
        # lists only those needing this one (the rest have nothing to match here).
        needing_here = {names[i] for i in np.flatnonzero(receive[:, column])}
        assert new_one.without_candidates == tuple(
            name for name in old_one.without_candidates if name in needing_here
        )


@pytest.mark.parametrize("case", CASE_LIST, ids=[f"seed{i}" for i in range(CASES)])
def test_assignment_reaches_the_reference_optimum(case: Case, solver: str) -> None:
    model, profiles, params = case.model, case.profiles, case.params
    new = assign_partners(model, profiles, params)
    old = reference.assign_partners(model, profiles, params)
    assert math.isclose(new.total_score, old.total_score, rel_tol=0, abs_tol=1e-9)
    assert new.needs == old.needs
    assert {
        (u.receiving, u.dimension) for u in new.unmet if u.reason in ("missing_score", "no_room")
    } == {(u.receiving, u.dimension) for u in old.unmet if u.reason in ("missing_score", "no_room")}
    assert [(x.region, x.capacity) for x in new.load] == [(x.region, x.capacity) for x in old.load]


def test_a_large_case_equals_the_reference(kernel_path: str) -> None:
    """500 regions on the shipped model: blocks, buckets and pruning all at work."""
    model = default_model()
    rng = np.random.default_rng(500)
    profiles = []
    for i in range(500):
        level = rng.uniform(0.5, 4.5)
        row = np.clip(np.rint(level + rng.normal(0, 1.0, len(model.keys))), 0, 5)
        order = np.argsort(row)
        scores = tuple(
            ConsensusScore(
                dimension=key,
                score=None if rng.random() < 0.05 else int(row[c]),
                source="workshop",
                for_improvement=bool(c in order[:2]),
                for_coaching=bool(c in order[-2:]),
            )
            for c, key in enumerate(model.keys)
        )
        profiles.append(
            Profile(
                model=model.ref, region=f"r{i:03d}", scores=scores, overall=None, completeness=1
            )
        )
    for params in (MatchingParams(), MatchingParams(top_k=10, min_transfer_level=None)):
        new = suggest_partners(model, profiles, params)
        old = reference.suggest_partners(model, profiles, params)
        assert reference.comparable(new.pairs) == reference.comparable(old.pairs)
        assert new.without_candidates == old.without_candidates
