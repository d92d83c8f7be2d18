"""What matching returns: pairs that explain themselves, and needs that say why they are unmet.

Every model here is frozen and JSON-ready. The exact ``similarity`` and ``score`` order the
pairs; ``similarity_rounded``, ``score_rounded`` and the one-line ``explanation`` are for
people and are computed when read (results of tens of thousands of pairs stay cheap to build).
A result shares one reason object among all the pairs with the same reason, so the reasons'
texts are computed once per object, when first read (:class:`_Texts`).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, computed_field

from assessment.matching_pairs import PairSequence
from assessment.matching_params import FlagPolicy, MatchingParams, UncertainPolicy
from assessment.model import ModelRef
from assessment.scoring import AgreementStatus

FlagBasis = Literal["flagged", "region_flagged_none", "flags_ignored"]
UnmetReason = Literal["no_candidate", "capacity", "missing_score", "no_room", "uncertain"]
UnmetCondition = Literal[
    "missing_score",
    "no_room",
    "uncertain_need",
    "no_offer",
    "transfer_level",
    "uncertain_offers",
    "gap",
    "capacity",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class _Texts(_Frozen):
    """A frozen model whose texts are ``cached_property``s: computed on first reading and kept
    in the object's ``__dict__`` (which pydantic leaves out of equality, hashing and dumps).
    A copy with other field values computes them again."""

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        copied = super().model_copy(update=update, deep=deep)
        if update:
            fields = type(self).model_fields
            for name in [name for name in copied.__dict__ if name not in fields]:
                del copied.__dict__[name]
        return copied


PEOPLE_DIGITS = 2


def for_people(value: float) -> float:
    """A figure as people read it (0.82, not 0.8181818181818181); the exact one orders."""
    return round(value, PEOPLE_DIGITS)


def _number(value: float) -> str:
    """A parameter or level as people write it: 3, 1.5."""
    return f"{value:g}"


class FlagReason(_Texts):
    """Why a dimension counts as a need (receiving side) or an offer (transferring side)."""

    side: Literal["receiving", "transferring"]
    parameter: Literal["improvement_flags", "coaching_flags"]
    policy: FlagPolicy
    basis: FlagBasis = Field(
        description="flagged: the region flagged the dimension; region_flagged_none: counted "
        "because the region flagged nothing (when_flagged); flags_ignored: the policy counts "
        "every dimension"
    )

    @computed_field  # type: ignore[prop-decorator]
    @cached_property
    def text(self) -> str:
        if self.basis == "flagged":
            return "flagged for improvement" if self.side == "receiving" else "flagged for coaching"
        if self.basis == "region_flagged_none":
            return f"counted: region flagged nothing ({self.parameter}=when_flagged)"
        return f"counted: policy ignored ({self.parameter}=ignored)"


class LevelCheck(_Texts):
    """A level condition of the rule: what the pair has against the parameter's limit."""

    parameter: Literal["min_gap", "min_transfer_level", "max_receiving_level"]
    value: int = Field(description="the gap, the transferring score or the receiving score")
    limit: float | None = Field(description="the parameter's value; null when it is not set")
    margin: float | None = Field(
        description="how far inside the limit the value lies (0: exactly at it); null when "
        "the parameter is not set"
    )

    @computed_field  # type: ignore[prop-decorator]
    @cached_property
    def text(self) -> str:
        what = {
            "min_gap": "gap",
            "min_transfer_level": "transferring level",
            "max_receiving_level": "receiving level",
        }[self.parameter]
        if self.limit is None:
            return f"{what} {self.value} (no {self.parameter})"
        sign = "<=" if self.parameter == "max_receiving_level" else ">="
        return f"{what} {self.value} {sign} {self.parameter} {_number(self.limit)}"


class ScoreConfidence(_Texts):
    """How firm the two scores are (the stakeholders' agreement) and what the
    ``uncertain_scores`` policy did with them."""

    policy: UncertainPolicy
    receiving: AgreementStatus | None = Field(description="agreement behind the need's score")
    transferring: AgreementStatus | None = Field(description="agreement behind the offer's score")
    weight: float = Field(
        description="multiplier applied to the pair's score: 1 unless down_weight met a "
        "split (uncertain) score"
    )

    @computed_field  # type: ignore[prop-decorator]
    @cached_property
    def text(self) -> str:
        split = [
            side
            for side, status in (("receiving", self.receiving), ("transferring", self.transferring))
            if status == "split"
        ]
        if not split:
            return "no uncertain score"
        scores = " and ".join(f"{side} score" for side in split)
        if self.policy == "down_weight":
            return (
                f"{scores} uncertain (split panel): score x{_number(round(self.weight, 4))} "
                "(uncertain_scores=down_weight)"
            )
        return f"{scores} uncertain (split panel), included (uncertain_scores=include)"


class ContextDimension(_Texts):
    """A context dimension compared between the two regions."""

    dimension: str
    name: str
    receiving_score: int
    transferring_score: int
    difference: int = Field(description="|receiving_score - transferring_score|")

    @cached_property
    def scores_text(self) -> str:
        """As an explanation lists it: "Funding (2 vs 3)"."""
        return f"{self.name} ({self.receiving_score} vs {self.transferring_score})"


class PairReasons(_Texts):
    """Why a pair is allowed: each condition of the rule with what the pair has."""

    need: FlagReason
    offer: FlagReason
    gap: LevelCheck
    transfer_level: LevelCheck
    receiving_level: LevelCheck
    confidence: ScoreConfidence

    @cached_property
    def conditions_text(self) -> str:
        """The end of an explanation's "Allowed" sentence (the level conditions) and its
        "Confidence" sentence when a score is uncertain: the same for every pair that
        shares these reasons."""
        levels = [self.gap.text, self.transfer_level.text]
        if self.receiving_level.limit is not None:
            levels.append(self.receiving_level.text)
        text = "; ".join(levels) + "."
        if self.confidence.text != "no uncertain score":
            text += f" Confidence: {self.confidence.text}."
        return text


class PairProposal(_Frozen):
    """One proposed twinning pair, with what it takes to judge it."""

    receiving: str
    transferring: str
    dimension: str
    dimension_name: str
    receiving_score: int
    transferring_score: int
    gap: int
    similarity: float = Field(description="exact similarity (orders pairs)")
    shared_context: int = Field(description="context dimensions both regions scored")
    score: float = Field(description="exact score (orders pairs)")
    rank: int = Field(description="1 = best; see the result kind for what is ranked")
    reasons: PairReasons
    alike: tuple[ContextDimension, ...] = Field(
        description="up to three closest context dimensions (smallest difference first)"
    )
    different: tuple[ContextDimension, ...] = Field(
        description="up to three furthest context dimensions that differ (largest first), "
        "none of them in alike"
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def similarity_rounded(self) -> float:
        return for_people(self.similarity)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def score_rounded(self) -> float:
        return for_people(self.score)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def explanation(self) -> str:
        """One paragraph for people, from the fields above."""
        # The parts shared with other pairs (the reasons' and the context dimensions' texts)
        # are computed once per object: a large result's explanations cost half as much.
        why = self.reasons
        context = (
            f"over {self.shared_context} shared dimensions"
            if self.shared_context
            else "(no shared context)"
        )
        parts = [
            f"#{self.rank}: {self.receiving} ({self.receiving_score}) learns "
            f"{self.dimension_name} from {self.transferring} ({self.transferring_score}): "
            f"gap {self.gap}, similarity {self.similarity:.2f} {context}, "
            f"score {self.score:.2f}.",
            f"Allowed: {self.receiving} {why.need.text}, {self.transferring} {why.offer.text}; "
            f"{why.conditions_text}",
        ]
        if self.alike:
            parts.append(f"Alike on {', '.join([d.scores_text for d in self.alike])}.")
        if self.different:
            parts.append(f"Different on {', '.join([d.scores_text for d in self.different])}.")
        return " ".join(parts)


class UnmetNeed(_Frozen):
    """A need left without a partner, and the condition of the rule that failed.

    ``reason`` is the short category; ``condition`` names the failed condition and
    ``parameter`` the knob behind it, with ``best`` (the closest any region came: a level or
    a gap), ``limit`` (the parameter's value) and ``shortfall`` (how far short) where a
    number applies, and ``full_partners`` when every allowed partner is at capacity.
    """

    receiving: str
    dimension: str
    dimension_name: str
    reason: UnmetReason
    condition: UnmetCondition
    parameter: str | None = Field(description="the MatchingParams field behind the condition")
    policy: FlagPolicy | UncertainPolicy | None = Field(
        default=None, description="the policy in force, for flag and uncertainty conditions"
    )
    candidates: int = Field(description="transferring regions the rule allows for this need")
    best: float | None = None
    limit: float | None = None
    shortfall: float | None = None
    full_partners: tuple[str, ...] = ()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def message(self) -> str:
        return _unmet_message(self)


def _unmet_message(need: UnmetNeed) -> str:
    best = None if need.best is None else _number(need.best)
    limit = None if need.limit is None else _number(need.limit)
    short = None if need.shortfall is None else _number(need.shortfall)
    if need.condition == "missing_score":
        return "flagged for improvement but not scored: no gap can be measured"
    if need.condition == "no_room":
        return (
            f"flagged for improvement but scored within min_gap ({limit}) of the scale's top: "
            "no region can be that far ahead"
        )
    if need.condition == "uncertain_need":
        return (
            "flagged for improvement but its score stands on a split panel "
            "(uncertain_scores=exclude)"
        )
    if need.condition == "no_offer":
        return (
            f"no other region offers {need.dimension_name} under "
            f"{need.parameter}={need.policy} (with capacity above 0)"
        )
    if need.condition == "transfer_level":
        return (
            f"offers exist but none reaches min_transfer_level {limit}: the best is at "
            f"level {best}, {short} short"
        )
    if need.condition == "uncertain_offers":
        return "every offer far enough ahead stands on a split panel (uncertain_scores=exclude)"
    if need.condition == "gap":
        return (
            f"offers at the transfer level exist but none is min_gap {limit} ahead: the "
            f"largest gap is {best}, {short} short"
        )
    names = ", ".join(need.full_partners)
    return f"all {need.candidates} allowed transferring regions are at capacity: {names}"


class MatchingResult(_Frozen):
    """Candidate pairs or top-k suggestions.

    ``kind="candidates"``: every pair the rule allows, ranked within (receiving, dimension).
    ``kind="suggestions"``: the best ``top_k`` pairs per receiving region over all its needs.
    """

    model: ModelRef
    kind: Literal["candidates", "suggestions"]
    params: MatchingParams
    pairs: PairSequence[PairProposal]
    without_candidates: tuple[str, ...] = Field(
        description="receiving regions with at least one need and no allowed partner"
    )
    unmet: tuple[UnmetNeed, ...] = Field(
        default=(),
        description="needs with no allowed partner, and flagged needs the rule cannot "
        "consider, each with the condition that failed",
    )

    def for_region(self, region: str) -> tuple[PairProposal, ...]:
        """The pairs ``region`` receives: only those are built when the pairs say where
        they lie (grouped by receiving region), else a scan."""
        found = self.pairs.receiving(region)
        if found is not None:
            return found
        return tuple(pair for pair in self.pairs if pair.receiving == region)


class TransferLoad(_Frozen):
    region: str
    capacity: int
    assigned: int


class Assignment(_Frozen):
    """Whole-programme assignment; a pair's ``rank`` is its place among its need's candidates."""

    model: ModelRef
    params: MatchingParams
    pairs: PairSequence[PairProposal]
    unmet: tuple[UnmetNeed, ...]
    load: tuple[TransferLoad, ...]
    total_score: float
    needs: int
