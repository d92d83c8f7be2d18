"""Why two regions twin: the focus dimensions' scores of both, with the workshops' reasons.

The rationale is a frozen value object, computed once when the twinning is created and stored
as it was: a later re-assessment changes the follow-up, never the reasons the twinning was
started for. It carries, per focus dimension, both regions' consensus scores, maturity bands,
the level descriptors those scores stand for, the consensus justifications, the stakeholders'
agreement, the gap, and the matching rule's explanation of the pair (the stored pair of a
matching run when the twinning came from one, otherwise the rule applied at creation).

It is stored in the model's own language. :func:`localized_rationale` shows the same facts in
another language: names, bands, descriptors and sentences are written again from the stored
keys and scores, which never change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assessment.errors import RatingError
from assessment.i18n import Localizer
from assessment.matching import MatchingParams, PairProposal, candidate_pairs
from assessment.model import MaturityModel, ModelRef
from assessment.profile import ConsensusScore, Profile
from assessment.scoring import AgreementStatus
from assessment.twinning.texts import in_language
from assessment.words import level_name

#: The rule applied to a pair that did not come from a matching run: flags and the minimum
#: transferring level are ignored (the coordinator chose the pair), the gap and the context
#: similarity are the documented ones.
EXPLAIN_PARAMS = MatchingParams(
    improvement_flags="ignored", coaching_flags="ignored", min_transfer_level=None
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class SideScore(_Frozen):
    """One region's consensus on one dimension, as the report shows it."""

    region: str
    round_label: str
    score: int | None
    band: str | None = Field(description="maturity band key of the score")
    band_name: str | None
    descriptor: str | None = Field(description="the model's descriptor of the scored level")
    justification: str = Field(description="the consensus workshop's justification")
    agreement: AgreementStatus | None = Field(
        description="the stakeholders' agreement on this dimension, when known"
    )
    level: str | None = Field(
        default=None,
        description="the stakeholders' Delphi level (a band key, or uncertain when split), "
        "when known",
    )
    level_name: str | None = Field(default=None, description="the Delphi level as a word")
    flagged: bool = Field(
        description="for improvement (receiving side) or for coaching (transferring side)"
    )


class MatchedPair(_Frozen):
    """The matching rule's pair as it stood when the twinning was created: a copy of the
    figures a report needs, so that changes to the matching module's own types never touch
    a stored rationale."""

    receiving: str
    transferring: str
    dimension: str
    receiving_score: int
    transferring_score: int
    gap: int
    similarity: float
    shared_context: int = Field(description="context dimensions both regions scored")
    score: float
    rank: int
    explanation: str = Field(description="the matching rule's own words, as it wrote them")

    @classmethod
    def of(cls, proposal: PairProposal) -> MatchedPair:
        return cls(**{name: getattr(proposal, name) for name in cls.model_fields})


class MatchEvidence(_Frozen):
    """The matching rule's view of the pair on one dimension."""

    source: Literal["matching_run", "matching_rule"] = Field(
        description="matching_run: the stored pair the twinning was created from; "
        "matching_rule: the rule applied to the two profiles at creation"
    )
    run_id: int | None = None
    pair_id: int | None = None
    pair: MatchedPair


class FocusRationale(_Frozen):
    dimension: str
    name: str
    receiving: SideScore
    transferring: SideScore
    gap: int | None = Field(description="transferring minus receiving score")
    match: MatchEvidence | None = Field(
        description="null when the rule allows no pair here (e.g. a gap below 1)"
    )
    summary: str


class Rationale(_Frozen):
    model: ModelRef
    receiving_region: str
    transferring_region: str
    receiving_round: str
    transferring_round: str
    focus: tuple[FocusRationale, ...]
    receiving_overall: float | None
    transferring_overall: float | None
    summary: str


def side_score(
    model: MaturityModel, profile: Profile, key: str, *, receiving: bool, words: Localizer
) -> SideScore:
    """``profile``'s consensus on ``key`` with the band name and level descriptor, written in
    the language of ``words`` (localize ``model`` to the same)."""
    score: ConsensusScore | None = profile.by_key().get(key)
    flagged = score is not None and (score.for_improvement if receiving else score.for_coaching)
    side = SideScore(
        region=profile.region,
        round_label=profile.label,
        score=None if score is None else score.score,
        band=None if score is None else score.band,
        band_name=None,
        descriptor=None,
        justification="" if score is None else score.justification,
        agreement=None if score is None else score.agreement,
        level=None if score is None else score.level,
        flagged=flagged,
    )
    return _side_texts(side, model, key, words)


def _side_texts(side: SideScore, model: MaturityModel, key: str, words: Localizer) -> SideScore:
    """``side`` with its band name, descriptor and level name written from its keys."""
    band_names = {band.key: band.name for band in model.effective_bands}
    return side.model_copy(
        update={
            "band_name": band_names.get(side.band) if side.band else None,
            "descriptor": None if side.score is None else model.dimension(key).levels[side.score],
            "level_name": level_name(side.level, model, words) or None,
        }
    )


def check_pair_profiles(model: MaturityModel, receiving: Profile, transferring: Profile) -> None:
    """Both profiles follow ``model`` and name two different regions."""
    for side, profile in (("receiving", receiving), ("transferring", transferring)):
        if profile.model != model.ref:
            raise RatingError(
                f"the {side} profile was scored with {profile.model.id} "
                f"{profile.model.version}, not {model.id} {model.version}",
                (side, "model"),
            )
        if not profile.region:
            raise RatingError(f"the {side} profile names no region", (side, "region"))
    if receiving.region == transferring.region:
        raise RatingError(
            f"a region cannot twin with itself ({receiving.region!r})", ("transferring", "region")
        )


def explain_pair(
    model: MaturityModel,
    receiving: Profile,
    transferring: Profile,
    dimension: str,
    params: MatchingParams = EXPLAIN_PARAMS,
) -> PairProposal | None:
    """The matching rule's pair ``receiving`` <- ``transferring`` on ``dimension``, or None
    when the rule does not allow it (README, "Twinning")."""
    # The rule wants trimmed, distinct names; stored names may carry stray spaces.
    mine, theirs = receiving.region.strip(), transferring.region.strip()
    if not mine or not theirs or mine == theirs:
        return None
    profiles = [
        receiving.model_copy(update={"region": mine}),
        transferring.model_copy(update={"region": theirs}),
    ]
    result = candidate_pairs(model, profiles, params, dimension=dimension)
    for pair in result.pairs:
        if (pair.receiving, pair.transferring) == (mine, theirs):
            return pair
    return None


def _focus_summary(
    name: str, receiving: SideScore, transferring: SideScore, gap: int | None, words: Localizer
) -> str:
    _ = words.gettext

    def side(s: SideScore) -> str:
        if s.score is None:
            return _("%(region)s has no score") % {"region": s.region}
        if s.band_name:
            return _("%(region)s scores %(score)d (%(band)s)") % {
                "region": s.region,
                "score": s.score,
                "band": s.band_name,
            }
        return _("%(region)s scores %(score)d") % {"region": s.region, "score": s.score}

    if gap is None:
        verdict = _("the gap is unknown.")
    elif gap > 0:
        verdict = _("a gap of %(gap)d to learn from.") % {"gap": gap}
    else:
        verdict = _("no gap: the transferring region is not ahead here.")
    return f"{name}: {side(receiving)}, {side(transferring)}; {verdict}"


def _summary(
    receiving: str, transferring: str, focus: Sequence[FocusRationale], words: Localizer
) -> str:
    learns = words.gettext("%(receiving)s learns from %(transferring)s on %(dimensions)s.") % {
        "receiving": receiving,
        "transferring": transferring,
        "dimensions": ", ".join(entry.name for entry in focus),
    }
    return " ".join([learns, *(entry.summary for entry in focus)])


def twinning_rationale(
    model: MaturityModel,
    receiving: Profile,
    transferring: Profile,
    focus: Sequence[str],
    *,
    evidence: Mapping[str, MatchEvidence] | None = None,
) -> Rationale:
    """The rationale of a twinning on ``focus``, in the model's language; ``evidence`` gives
    the stored matching pair per dimension where there is one, the others are explained by
    :func:`explain_pair`."""
    check_pair_profiles(model, receiving, transferring)
    model, words = in_language(model, None)
    evidence = dict(evidence or {})
    for key in evidence:
        if key not in focus:
            raise RatingError(f"evidence for {key!r}, which is not a focus", ("evidence", key))
    entries = []
    for index, key in enumerate(focus):
        model.index(key, ("focus", index))
        mine = side_score(model, receiving, key, receiving=True, words=words)
        theirs = side_score(model, transferring, key, receiving=False, words=words)
        gap = None if mine.score is None or theirs.score is None else theirs.score - mine.score
        match = evidence.get(key)
        if match is None:
            pair = explain_pair(model, receiving, transferring, key)
            if pair is not None:
                match = MatchEvidence(source="matching_rule", pair=MatchedPair.of(pair))
        name = model.dimension(key).name
        entries.append(
            FocusRationale(
                dimension=key,
                name=name,
                receiving=mine,
                transferring=theirs,
                gap=gap,
                match=match,
                summary=_focus_summary(name, mine, theirs, gap, words),
            )
        )
    return Rationale(
        model=model.ref,
        receiving_region=receiving.region,
        transferring_region=transferring.region,
        receiving_round=receiving.label,
        transferring_round=transferring.label,
        focus=tuple(entries),
        receiving_overall=receiving.overall,
        transferring_overall=transferring.overall,
        summary=_summary(receiving.region, transferring.region, entries, words),
    )


def localized_rationale(
    rationale: Rationale, model: MaturityModel, language: str | None
) -> Rationale:
    """The same rationale in ``language``: dimension, band and level names, descriptors and
    summaries written again from the stored keys and scores of ``model`` (the twinning's
    model); scores, justifications, agreement, gaps and the matching evidence as stored."""
    model, words = in_language(model, language)
    entries = []
    for entry in rationale.focus:
        key = entry.dimension
        mine = _side_texts(entry.receiving, model, key, words)
        theirs = _side_texts(entry.transferring, model, key, words)
        name = model.dimension(key, ("focus", key)).name
        entries.append(
            entry.model_copy(
                update={
                    "name": name,
                    "receiving": mine,
                    "transferring": theirs,
                    "summary": _focus_summary(name, mine, theirs, entry.gap, words),
                }
            )
        )
    return rationale.model_copy(
        update={
            "focus": tuple(entries),
            "summary": _summary(
                rationale.receiving_region, rationale.transferring_region, entries, words
            ),
        }
    )
