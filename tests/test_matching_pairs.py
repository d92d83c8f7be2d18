"""A result's pairs are built when read (``assessment.matching_pairs``): checked against the
same pairs built in one go, through the public API, with chunks small enough that every
result spans several."""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from assessment import (
    Assignment,
    MatchingResult,
    PairProposal,
    PairSequence,
    Profile,
    assign_partners,
    build_profile,
    candidate_pairs,
    default_model,
    matching_pairs,
    suggest_partners,
)
from tests.test_properties_matching import World, any_worlds

Result = MatchingResult | Assignment
KINDS: dict[str, Callable[[World], Result]] = {
    "candidates": lambda w: candidate_pairs(w.model, w.profiles, w.params),
    "suggestions": lambda w: suggest_partners(w.model, w.profiles, w.params),
    "assignment": lambda w: assign_partners(w.model, w.profiles, w.params),
}


@contextmanager
def chunks_of(size: int) -> Iterator[None]:
    """Results made inside build their pairs ``size`` at a time."""
    before = matching_pairs.CHUNK_PAIRS
    matching_pairs.CHUNK_PAIRS = size
    try:
        yield
    finally:
        matching_pairs.CHUNK_PAIRS = before


def made(kind: str, world: World, chunk: int) -> Result:
    with chunks_of(chunk):
        return KINDS[kind](world)


def eager(kind: str, world: World) -> tuple[PairProposal, ...]:
    """The pairs built all at once (one chunk holds them all), as before pairs were lazy."""
    return tuple(made(kind, world, 1 << 30).pairs)


@settings(max_examples=150, deadline=None)
@given(any_worlds, st.sampled_from(sorted(KINDS)), st.integers(1, 5), st.data())
def test_pairs_read_in_chunks_are_the_pairs_built_at_once(
    world: World, kind: str, chunk: int, data: st.DataObject
) -> None:
    expected = eager(kind, world)
    pairs = made(kind, world, chunk).pairs
    assert len(pairs) == len(expected) and bool(pairs) == bool(expected)
    assert pairs.built() == 0
    n = len(expected)
    seen = {}
    for i in data.draw(st.permutations(range(-n, n))):
        seen[i % n] = pairs[i]
        assert seen[i % n] == expected[i]
    assert pairs.built() == n
    assert list(pairs) == list(expected)
    assert all(pair is seen[i] for i, pair in enumerate(pairs))  # built once, then kept
    bound = st.none() | st.integers(-n - 2, n + 2)
    for _ in range(5):
        cut = slice(data.draw(bound), data.draw(bound), data.draw(st.none() | st.integers(-3, 3)))
        if cut.step == 0:
            with pytest.raises(ValueError):
                pairs[cut]
            continue
        assert pairs[cut] == expected[cut] and type(pairs[cut]) is tuple
    assert tuple(reversed(pairs)) == tuple(reversed(expected))
    for pair in expected:
        assert pair in pairs and pairs.count(pair) == 1
        assert pairs.index(pair) == expected.index(pair)
    for outside in (n, -n - 1):
        with pytest.raises(IndexError):
            pairs[outside]


@settings(max_examples=100, deadline=None)
@given(any_worlds, st.sampled_from(sorted(KINDS)), st.integers(1, 4))
def test_pairs_equal_and_hash_as_the_tuple_of_them_before_and_after_reading(
    world: World, kind: str, chunk: int
) -> None:
    expected = eager(kind, world)
    fresh = made(kind, world, chunk)
    assert fresh.pairs == expected and expected == fresh.pairs
    assert fresh.pairs == list(expected) and hash(fresh.pairs) == hash(expected)
    other = made(kind, world, chunk + 1)
    assert other.pairs == fresh.pairs and other == fresh and hash(other.pairs) == hash(fresh.pairs)
    assert fresh.pairs != "not pairs" and fresh.pairs != (*expected, None)
    if expected:
        assert fresh.pairs != (*expected[:-1], None) and fresh.pairs != expected[:-1]
    if isinstance(fresh, MatchingResult):
        for name in {p.receiving for p in expected} | {"nobody"}:
            assert fresh.for_region(name) == tuple(p for p in expected if p.receiving == name)


def many_regions(n: int) -> list[Profile]:
    """``n`` regions all receiving and offering one dimension at spread levels: about n**2/3
    candidate pairs on it."""
    model = default_model()
    return [
        build_profile(
            model,
            workshop={**dict.fromkeys(model.keys, 1 + i % 3), "funding": i % 5},
            region=f"R{i:03d}",
        )
        for i in range(n)
    ]


def test_one_regions_pairs_build_only_the_chunks_that_hold_them() -> None:
    profiles, chunk = many_regions(60), 16
    with chunks_of(chunk):
        result = candidate_pairs(default_model(), profiles, dimension="funding")
    everything = tuple(candidate_pairs(default_model(), profiles, dimension="funding").pairs)
    assert len(result.pairs) > 20 * chunk
    for name in ("R000", "R031", "R055", "R059", "R004", "nobody"):
        with chunks_of(chunk):
            fresh = candidate_pairs(default_model(), profiles, dimension="funding")
        own = fresh.for_region(name)
        assert own == tuple(p for p in everything if p.receiving == name)
        assert fresh.pairs.built() <= len(own) + 2 * chunk
        assert fresh.for_region(name) == own and all(
            a is b for a, b in zip(fresh.for_region(name), own, strict=True)
        )
    assert result.for_region("R010") == tuple(p for p in everything if p.receiving == "R010")


@settings(max_examples=60, deadline=None)
@given(any_worlds, st.sampled_from(sorted(KINDS)), st.integers(1, 4))
def test_results_round_trip_through_json_pickle_and_copies(
    world: World, kind: str, chunk: int
) -> None:
    result = made(kind, world, chunk)
    model: type[Result] = MatchingResult if isinstance(result, MatchingResult) else Assignment
    text = result.model_dump_json()
    again = model.model_validate_json(text)
    assert again == result and again.pairs == result.pairs
    assert isinstance(again.pairs, PairSequence) and again.model_dump_json() == text
    assert model.model_validate(result.model_dump()) == result
    plain = [p.model_dump() for p in result.pairs]
    assert result.model_dump()["pairs"] == tuple(plain)
    assert json.loads(text)["pairs"] == [p.model_dump(mode="json") for p in result.pairs]
    for copied in (pickle.loads(pickle.dumps(result)), copy.deepcopy(result), copy.copy(result)):
        assert copied == result and hash(copied.pairs) == hash(result.pairs)
    if isinstance(again, MatchingResult) and again.pairs:
        name = again.pairs[-1].receiving  # validated pairs: no columns, a scan
        assert again.for_region(name) == tuple(p for p in result.pairs if p.receiving == name)


def test_pairs_validate_from_items_and_reject_what_is_not_a_pair() -> None:
    profiles = many_regions(6)
    result = candidate_pairs(default_model(), profiles, dimension="funding")
    data = result.model_dump()
    for items in (list(data["pairs"]), tuple(result.pairs), list(result.pairs)):
        assert MatchingResult.model_validate({**data, "pairs": items}) == result
    broken = [dict(data["pairs"][0], rank="first")]
    with pytest.raises(ValidationError) as raised:
        MatchingResult.model_validate({**data, "pairs": broken})
    assert raised.value.errors()[0]["loc"] == ("pairs", 0, "rank")
    with pytest.raises(ValidationError):
        MatchingResult.model_validate({**data, "pairs": 3})


class _TuplePairs(BaseModel):
    pairs: tuple[PairProposal, ...]


@pytest.mark.parametrize("mode", ["validation", "serialization"])
def test_pairs_publish_the_json_schema_of_a_tuple_of_pairs(mode: Any) -> None:
    plain = _TuplePairs.model_json_schema(mode=mode)
    for model in (MatchingResult, Assignment):
        schema = model.model_json_schema(mode=mode)
        assert schema["properties"]["pairs"] == plain["properties"]["pairs"]
        assert schema["$defs"]["PairProposal"] == plain["$defs"]["PairProposal"]


def test_a_pair_sequence_reads_as_a_short_line() -> None:
    result = candidate_pairs(default_model(), many_regions(30), dimension="funding")
    n = len(result.pairs)
    assert repr(result.pairs) == f"PairSequence({n:,} pairs, 0 built)"
    assert f"pairs=PairSequence({n:,} pairs, 0 built)" in repr(result)
    assert result.pairs[-1].receiving == "R028"  # R029 scores the top: it only offers
    assert repr(result.pairs) == f"PairSequence({n:,} pairs, {n:,} built)"
    none: PairSequence[PairProposal] = PairSequence.of(())
    assert none == () and not none and hash(none) == hash(()) and repr(none).startswith("PairS")
