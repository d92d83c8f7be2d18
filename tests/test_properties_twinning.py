"""Property-based checks of the computed parts of a twinning against their documented rules:
local conditions (partition, status, priority and order), the rationale (scores, gap, the
matching rule's pair, a lossless JSON round trip for freezing), the effect and the programme
view, the status life cycle and the action plan summary. Each rule is recomputed here from
its docstring, independently of the code under test, on small random models."""

from __future__ import annotations

import datetime as dt
from statistics import fmean
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from assessment import (
    GoodPractice,
    MaturityModel,
    ModelRef,
    Profile,
    build_profile,
    compare_profiles,
    parse_model,
)
from assessment.i18n import SUPPORTED_LANGUAGES
from assessment.twinning import (
    TRANSITIONS,
    ActionItem,
    ActionStatus,
    ChallengeCategory,
    ConditionParams,
    ProgrammeEntry,
    Rationale,
    TwinningFacts,
    TwinningStatus,
    TwinningType,
    check_transition,
    is_overdue,
    local_conditions,
    localized_rationale,
    next_steps,
    programme_view,
    summarise_plan,
    twinning_effect,
    twinning_rationale,
)
from tests.conftest import make_model_data

STATUS_RANK = {"in_place": 0, "minor_gap": 1, "to_build": 2}


@st.composite
def models(draw: st.DrawFn) -> MaturityModel:
    count = draw(st.integers(2, 6))
    lo = draw(st.integers(0, 1))
    hi = draw(st.integers(lo + 2, lo + 5))
    return parse_model(make_model_data(tuple(f"d{i}" for i in range(count)), lo, hi))


def scores(model: MaturityModel, missing: bool = True) -> st.SearchStrategy[list[int | None]]:
    point = st.integers(model.scale.min, model.scale.max)
    cell = st.one_of(st.none(), point) if missing else point
    return st.lists(cell, min_size=len(model.keys), max_size=len(model.keys))


def as_profile(
    model: MaturityModel, region: str, label: str, values: list[int | None], **flags: Any
) -> Profile:
    workshop = {key: (v, f"{region} {key} {v}") for key, v in zip(model.keys, values, strict=True)}
    return build_profile(model, workshop=workshop, region=region, label=label, **flags)


@st.composite
def twin_case(
    draw: st.DrawFn,
) -> tuple[MaturityModel, Profile, Profile, list[str], GoodPractice | None, ConditionParams]:
    model = draw(models())
    receiving = as_profile(model, "Receiving", "r1", draw(scores(model)))
    transferring = as_profile(model, "Transferring", "t1", draw(scores(model)))
    focus = draw(st.lists(st.sampled_from(model.keys), min_size=1, unique=True))
    practice = None
    if draw(st.booleans()):
        required = draw(
            st.dictionaries(
                st.sampled_from(model.keys),
                st.integers(model.scale.min, model.scale.max),
                min_size=1,
            )
        )
        practice = GoodPractice(id="p", name="Practice", requirements=required)
    params = ConditionParams(
        behind_threshold=draw(st.integers(1, 3)),
        requirement_weight=draw(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0])),
    )
    return model, receiving, transferring, focus, practice, params


def expected_status(
    r: int | None, t: int | None, required: int | None, lo: int, threshold: int
) -> str:
    """The module docstring's rule, written out again."""
    short = 0 if required is None else max(0, required - (lo if r is None else r))
    if short > 0:
        return "to_build"
    if r is None or t is None:
        return "unknown"
    if t - r <= 0:
        return "in_place"
    return "to_build" if t - r >= threshold else "minor_gap"


@settings(max_examples=150, deadline=None)
@given(twin_case())
def test_conditions_partition_the_other_dimensions_by_the_documented_rule(
    case: tuple[MaturityModel, Profile, Profile, list[str], GoodPractice | None, ConditionParams],
) -> None:
    model, receiving, transferring, focus, practice, params = case
    result = local_conditions(
        model, receiving, transferring, focus, practice=practice, params=params
    )
    listed = [c.dimension for c in result.all()]
    assert sorted(listed) == sorted(k for k in model.keys if k not in focus)
    assert len(listed) == len(set(listed))
    mine, theirs = receiving.by_key(), transferring.by_key()
    requirements = practice.requirements if practice else {}
    for condition in result.all():
        key = condition.dimension
        r, t = mine[key].score, theirs[key].score
        required = requirements.get(key)
        status = expected_status(r, t, required, model.scale.min, params.behind_threshold)
        assert condition.status == status
        assert (condition.receiving.score, condition.transferring.score) == (r, t)
        assert condition.receiving.justification == mine[key].justification
        short = (
            None if required is None else max(0, required - (model.scale.min if r is None else r))
        )
        assert condition.practice_gap == short
        gap = None if r is None or t is None else t - r
        assert condition.gap == gap
        priority = max(0, gap or 0) + params.requirement_weight * (short or 0)
        assert condition.priority == (priority if status == "to_build" else 0.0)
    for group in (result.in_place, result.minor_gaps, result.unknown):
        order = [model.index(c.dimension) for c in group]
        assert order == sorted(order)
    ranking = [
        (-c.priority, -(c.practice_gap or 0), model.index(c.dimension)) for c in result.to_build
    ]
    assert ranking == sorted(ranking)


@settings(max_examples=100, deadline=None)
@given(twin_case(), st.data())
def test_a_higher_receiving_score_never_worsens_a_condition(
    case: tuple[MaturityModel, Profile, Profile, list[str], GoodPractice | None, ConditionParams],
    data: st.DataObject,
) -> None:
    model, receiving, transferring, focus, practice, params = case
    others = [k for k in model.keys if k not in focus]
    raisable = [
        k for k in others if (s := receiving.by_key()[k].score) is not None and s < model.scale.max
    ]
    if not raisable:
        return
    key = data.draw(st.sampled_from(raisable))
    values = [s.score for s in receiving.scores]
    values[model.index(key)] = (values[model.index(key)] or 0) + 1
    raised = as_profile(model, "Receiving", "r2", values)
    before = local_conditions(
        model, receiving, transferring, focus, practice=practice, params=params
    )
    after = local_conditions(model, raised, transferring, focus, practice=practice, params=params)
    old, new = before.by_key()[key], after.by_key()[key]
    if "unknown" in (old.status, new.status):
        # Only a partner without a score makes a scored dimension incomparable; the
        # practice's requirement alone then decides between to_build and unknown.
        assert old.transferring.score is None
        assert (new.status == "to_build") == bool(new.practice_gap)
        return
    assert STATUS_RANK[new.status] <= STATUS_RANK[old.status]
    assert new.priority <= old.priority


@settings(max_examples=150, deadline=None)
@given(twin_case())
def test_the_rationale_states_both_scores_the_gap_and_survives_storage(
    case: tuple[MaturityModel, Profile, Profile, list[str], GoodPractice | None, ConditionParams],
) -> None:
    model, receiving, transferring, focus, _, _ = case
    rationale = twinning_rationale(model, receiving, transferring, focus)
    assert [f.dimension for f in rationale.focus] == focus
    for entry in rationale.focus:
        r = receiving.by_key()[entry.dimension].score
        t = transferring.by_key()[entry.dimension].score
        assert (entry.receiving.score, entry.transferring.score) == (r, t)
        gap = None if r is None or t is None else t - r
        assert entry.gap == gap
        # With flags and the transferring floor ignored, the rule pairs exactly where the
        # transferring region leads by at least the default minimum gap of 1.
        assert (entry.match is not None) == (gap is not None and gap >= 1)
        if entry.match is not None:
            assert entry.match.pair.gap == gap
            assert entry.match.pair.receiving == "Receiving"
        descriptor = None if r is None else model.dimension(entry.dimension).levels[r]
        assert entry.receiving.descriptor == descriptor
    stored = rationale.model_dump(mode="json")
    assert Rationale.model_validate(stored) == rationale


TEXTS = {"name", "band_name", "descriptor", "level_name", "summary"}


def _facts(value: Any) -> Any:
    """A dumped rationale or conditions without the fields written in a language."""
    if isinstance(value, dict):
        return {k: _facts(v) for k, v in value.items() if k not in TEXTS and k != "reason"}
    if isinstance(value, list):
        return [_facts(v) for v in value]
    return value


@settings(max_examples=100, deadline=None)
@given(twin_case(), st.sampled_from(SUPPORTED_LANGUAGES))
def test_a_language_changes_the_words_never_the_facts(
    case: tuple[MaturityModel, Profile, Profile, list[str], GoodPractice | None, ConditionParams],
    language: str,
) -> None:
    """The report's language rewrites names and sentences only: scores, bands, gaps,
    justifications, the matching pair and the conditions' partition stay as computed, and
    the model's own language gives back the stored rationale."""
    model, receiving, transferring, focus, practice, params = case
    rationale = twinning_rationale(model, receiving, transferring, focus)
    shown = localized_rationale(rationale, model, language)
    assert _facts(shown.model_dump(mode="json")) == _facts(rationale.model_dump(mode="json"))
    assert localized_rationale(rationale, model, model.language) == rationale
    english, translated = (
        local_conditions(
            model, receiving, transferring, focus, practice=practice, params=params, language=lang
        )
        for lang in (None, language)
    )
    assert _facts(translated.model_dump(mode="json")) == _facts(english.model_dump(mode="json"))


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_the_effect_is_the_focus_dimensions_change(data: st.DataObject) -> None:
    model = data.draw(models())
    before = as_profile(model, "R", "2022", data.draw(scores(model)))
    after = as_profile(model, "R", "2024", data.draw(scores(model)))
    focus = data.draw(st.lists(st.sampled_from(model.keys), min_size=1, unique=True))
    effect = twinning_effect(model, before, after, focus)
    deltas = []
    for change in effect.focus:
        b = before.by_key()[change.dimension].score
        a = after.by_key()[change.dimension].score
        delta = None if a is None or b is None else a - b
        assert (change.before, change.after, change.delta) == (b, a, delta)
        deltas.append(delta)
    known = [d for d in deltas if d is not None]
    assert effect.focus_delta == (fmean(known) if known else None)
    if not known:
        verdict = "not_measurable"
    elif any(d > 0 for d in known) and any(d < 0 for d in known):
        verdict = "mixed"
    elif any(d > 0 for d in known):
        verdict = "improved"
    elif any(d < 0 for d in known):
        verdict = "declined"
    else:
        verdict = "unchanged"
    assert effect.verdict == verdict
    assert effect.overall_delta == compare_profiles(before, after).overall_delta


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_the_programme_view_adds_up(data: st.DataObject) -> None:
    model = data.draw(models())
    entries = []
    for index in range(data.draw(st.integers(0, 6))):
        focus = data.draw(
            st.lists(st.sampled_from(model.keys), min_size=1, max_size=2, unique=True)
        )
        effect = None
        if data.draw(st.booleans()):
            before = as_profile(model, f"R{index}", "a", data.draw(scores(model)))
            after = as_profile(model, f"R{index}", "b", data.draw(scores(model)))
            effect = twinning_effect(model, before, after, focus)
        entries.append(
            ProgrammeEntry(
                id=index + 1,
                title=f"T{index}",
                receiving=f"R{index}",
                transferring="T",
                type=data.draw(st.sampled_from(list(TwinningType))),
                status=data.draw(st.sampled_from(list(TwinningStatus))),
                model=ModelRef(id=model.id, version=model.version),
                focus=tuple(focus),
                effect=effect,
            )
        )
    view = programme_view(entries)
    assert view.total == len(entries) == sum(view.by_status.values()) == sum(view.by_type.values())
    measured = [e.effect for e in entries if e.effect is not None]
    assert view.measured == len(measured) == sum(view.verdicts.values())
    focus_deltas = [m.focus_delta for m in measured if m.focus_delta is not None]
    if focus_deltas:
        assert view.mean_focus_delta is not None
        assert min(focus_deltas) - 1e-9 <= view.mean_focus_delta <= max(focus_deltas) + 1e-9
    else:
        assert view.mean_focus_delta is None
    assert sum(d.twinnings for d in view.by_dimension) == sum(len(e.focus) for e in entries)
    for dimension in view.by_dimension:
        assert dimension.improved <= dimension.measured <= dimension.twinnings


facts = st.builds(
    TwinningFacts,
    receiving_participants=st.integers(0, 2),
    transferring_participants=st.integers(0, 2),
    activities_held=st.integers(0, 2),
    action_items=st.integers(0, 2),
    results_at_conclusion=st.booleans(),
    follow_up_round=st.booleans(),
    results_after_6_or_12_months=st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(facts, st.sampled_from(list(TwinningStatus)), st.sampled_from(list(TwinningStatus)))
def test_a_move_is_allowed_exactly_when_it_exists_and_its_needs_are_met(
    known: TwinningFacts, current: TwinningStatus, target: TwinningStatus
) -> None:
    check = check_transition(current, target, known)
    needs = {
        TwinningStatus.RUNNING: known.receiving_participants > 0
        and known.transferring_participants > 0,
        TwinningStatus.CONCLUDED: known.activities_held > 0
        and known.action_items > 0
        and known.results_at_conclusion,
        TwinningStatus.FOLLOWED_UP: known.follow_up_round and known.results_after_6_or_12_months,
    }
    moves = target in TRANSITIONS[current]
    backwards = list(TwinningStatus).index(target) < list(TwinningStatus).index(current)
    assert check.allowed == (moves and (backwards or needs.get(target, True)))
    assert check.allowed == (not check.missing)
    assert [c.target for c in next_steps(current, known)] == sorted(
        TRANSITIONS[current],
        key=lambda s: (
            list(TwinningStatus).index(s) < list(TwinningStatus).index(current),
            list(TwinningStatus).index(s),
        ),
    )
    assert not TRANSITIONS[TwinningStatus.FOLLOWED_UP]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.builds(
            ActionItem,
            title=st.sampled_from(["a", "b"]),
            category=st.one_of(st.none(), st.sampled_from(list(ChallengeCategory))),
            dimension=st.one_of(st.none(), st.sampled_from(["d0", "d1"])),
            due_date=st.one_of(st.none(), st.dates(dt.date(2024, 1, 1), dt.date(2026, 1, 1))),
            status=st.sampled_from(list(ActionStatus)),
        ),
        max_size=8,
    ),
    st.dates(dt.date(2024, 1, 1), dt.date(2026, 1, 1)),
)
def test_the_plan_summary_counts_every_item_once(items: list[ActionItem], today: dt.date) -> None:
    model = parse_model(make_model_data(("d0", "d1")))
    summary = summarise_plan(model, items, today)
    assert summary.total == len(items) == sum(summary.by_status.values())
    assert sum(area.items for area in summary.by_area) == len(items)
    overdue = [
        i
        for i in items
        if i.due_date is not None
        and i.due_date < today
        and i.status not in (ActionStatus.DONE, ActionStatus.DROPPED)
    ]
    assert summary.overdue == len(overdue) == sum(is_overdue(i, today) for i in items)
