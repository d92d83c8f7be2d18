"""The twinning library on the seeds' cases: Norrbotten learning innovation management from
Scotland (SCIROCCO Exchange) and a report a programme coordinator can print."""

from __future__ import annotations

import datetime as dt
from typing import get_args

import pytest

from assessment import (
    GoodPractice,
    ParameterError,
    Profile,
    RatingError,
    build_profile,
    default_model,
    find_model,
)
from assessment.twinning import (
    ActionItem,
    ActionStatus,
    Activity,
    ActivityFormat,
    ActivityKind,
    ChallengeCategory,
    ConditionParams,
    ConditionStatus,
    Outcomes,
    Participant,
    ParticipantSide,
    Rationale,
    TwinningReport,
    TwinningStatus,
    TwinningType,
    build_twinning_report,
    check_focus,
    explain_pair,
    local_conditions,
    render_twinning_report,
    twinning_effect,
    twinning_rationale,
)
from assessment.twinning.effect import VERDICTS
from assessment.twinning.texts import LABELS

MODEL = default_model()
INNOVATION = "innovation_management"


def profile(
    region: str,
    label: str,
    scores: tuple[int | None, ...],
    improvement: tuple[str, ...] = (),
    coaching: tuple[str, ...] = (),
) -> Profile:
    workshop = {
        key: (score, f"{region}: level {score} on {key}")
        for key, score in zip(MODEL.keys, scores, strict=True)
    }
    return build_profile(
        MODEL,
        workshop=workshop,
        region=region,
        label=label,
        improvement=improvement,
        coaching=coaching,
    )


# Norrbotten's 2022 consensus and Scotland's, with the same 3 on readiness to change that the
# Norrbotten-Scotland twinning found (study visit presentation, SCIROCCO Exchange).
NORRBOTTEN = profile(
    "Norrbotten", "2022", (3, 2, 3, 2, 2, 2, 1, 2, 1, 2, 1, 2), improvement=(INNOVATION,)
)
SCOTLAND = profile("Scotland", "2023", (3, 4, 4, 3, 4, 3, 3, 3, 3, 4, 4, 3), coaching=(INNOVATION,))
HUB = GoodPractice(
    id="hub",
    name="Regional innovation hub",
    requirements={INNOVATION: 3, "structure_governance": 3, "funding": 3},
)


def test_the_rationale_names_both_scores_their_reasons_and_the_matching_rule() -> None:
    rationale = twinning_rationale(MODEL, NORRBOTTEN, SCOTLAND, [INNOVATION])
    (focus,) = rationale.focus
    assert (focus.receiving.score, focus.transferring.score, focus.gap) == (1, 4, 3)
    assert focus.receiving.justification == "Norrbotten: level 1 on innovation_management"
    assert focus.receiving.descriptor == MODEL.dimension(INNOVATION).levels[1]
    assert (focus.receiving.band_name, focus.transferring.band_name) == ("Initial", "Progressing")
    assert focus.receiving.flagged and focus.transferring.flagged
    assert focus.match is not None and focus.match.source == "matching_rule"
    assert focus.match.pair.explanation.startswith("#1: Norrbotten (1) learns Innovation")
    assert "a gap of 3" in rationale.summary
    assert rationale.receiving_overall == NORRBOTTEN.overall


def test_a_rationale_stored_before_delphi_levels_still_reads() -> None:
    stored = twinning_rationale(MODEL, NORRBOTTEN, SCOTLAND, [INNOVATION]).model_dump(mode="json")
    for side in ("receiving", "transferring"):
        del stored["focus"][0][side]["level"], stored["focus"][0][side]["level_name"]
    assert Rationale.model_validate(stored).focus[0].receiving.level is None


def test_local_conditions_find_what_is_in_place_and_what_to_build_first() -> None:
    conditions = local_conditions(MODEL, NORRBOTTEN, SCOTLAND, [INNOVATION], practice=HUB)
    assert [c.dimension for c in conditions.in_place] == ["readiness_to_change"]
    ready = conditions.in_place[0]
    assert (ready.receiving.score, ready.transferring.score) == (3, 3)
    # Governance and funding: 2 behind and 1 short of the hub's 3 (2 + 2 x 1).
    assert [(c.dimension, c.priority) for c in conditions.to_build[:2]] == [
        ("structure_governance", 4.0),
        ("funding", 4.0),
    ]
    assert {c.dimension for c in conditions.to_build[2:]} == {
        "population_approach",
        "evaluation_methods",
        "breadth_of_ambition",
    }
    assert INNOVATION not in conditions.by_key()
    assert len(conditions.all()) == len(MODEL.keys) - 1
    strict = local_conditions(
        MODEL, NORRBOTTEN, SCOTLAND, [INNOVATION], params=ConditionParams(behind_threshold=1)
    )
    assert strict.minor_gaps == () and strict.practice is None


def test_a_missing_score_is_unknown_unless_a_practice_requires_it() -> None:
    gappy = profile("Norrbotten", "2022", (3, None, 3, 2, None, 2, 1, 2, 1, 2, 1, 2))
    conditions = local_conditions(MODEL, gappy, SCOTLAND, [INNOVATION], practice=HUB)
    assert [c.dimension for c in conditions.unknown] == []
    governance = conditions.by_key()["structure_governance"]
    assert (governance.status, governance.practice_gap) == ("to_build", 3)
    without = local_conditions(MODEL, gappy, SCOTLAND, [INNOVATION])
    assert [c.dimension for c in without.unknown] == ["structure_governance", "funding"]


def test_bad_inputs_are_refused_with_their_place() -> None:
    with pytest.raises(ParameterError) as caught:
        ConditionParams(behind_threshold=0)
    assert caught.value.location == ("behind_threshold",)
    with pytest.raises(ParameterError) as caught:
        check_focus(MODEL, TwinningType.TRANSFER, ["funding", INNOVATION])
    assert caught.value.location == ("focus",)
    with pytest.raises(ParameterError) as caught:
        check_focus(MODEL, TwinningType.COACHING, ["funding", "nowhere"])
    assert caught.value.location == ("focus", 1)
    assert check_focus(MODEL, TwinningType.EXCHANGE, [INNOVATION, "funding"]) == (
        "funding",
        INNOVATION,
    )
    with pytest.raises(RatingError) as refused:
        twinning_rationale(MODEL, NORRBOTTEN, NORRBOTTEN, [INNOVATION])
    assert refused.value.location == ("transferring", "region")
    older = find_model("scirocco", "2016-19")
    with pytest.raises(RatingError) as refused:
        twinning_rationale(older, NORRBOTTEN, SCOTLAND, [INNOVATION])
    assert refused.value.location == ("receiving", "model")
    with pytest.raises(RatingError) as refused:
        twinning_effect(MODEL, NORRBOTTEN, NORRBOTTEN, [INNOVATION, "nowhere"])
    assert refused.value.location == ("focus", 1)


def test_stray_spaces_in_region_names_do_not_hide_the_pair() -> None:
    padded = NORRBOTTEN.model_copy(update={"region": " Norrbotten "})
    pair = explain_pair(MODEL, padded, SCOTLAND, INNOVATION)
    assert pair is not None and pair.receiving == "Norrbotten"
    assert explain_pair(MODEL, SCOTLAND, NORRBOTTEN, INNOVATION) is None  # Scotland is ahead


def test_the_effect_compares_a_reassessment_on_a_newer_model_version() -> None:
    older = find_model("scirocco", "2016-19")
    baseline = build_profile(
        older, workshop=dict.fromkeys(older.keys, 2), region="Norrbotten", label="2018"
    )
    later = profile("Norrbotten", "2024", (3, 3, 4, 2, 3, 2, 2, 2, 2, 3, 2, 2))
    effect = twinning_effect(MODEL, baseline, later, [INNOVATION, "digital_infrastructure"])
    assert [(c.dimension, c.delta) for c in effect.focus] == [
        (INNOVATION, 0),
        ("digital_infrastructure", None),  # "Information & eHealth services" in 2016-19
    ]
    assert effect.verdict == "unchanged" and effect.focus_delta == 0
    with pytest.raises(RatingError):
        twinning_effect(MODEL, baseline, SCOTLAND, [INNOVATION])


def twinning_report(language: str | None = None) -> TwinningReport:
    rationale = twinning_rationale(MODEL, NORRBOTTEN, SCOTLAND, [INNOVATION])
    later = profile("Norrbotten", "2024", (3, 3, 4, 2, 3, 2, 2, 2, 2, 3, 2, 2))
    report = build_twinning_report(
        MODEL,
        title="Norrbotten <learns> & grows",
        aim="Line one\nline two\n\nA new paragraph",
        type=TwinningType.TRANSFER,
        status=TwinningStatus.CONCLUDED,
        rationale=rationale,
        receiving=NORRBOTTEN,
        transferring=SCOTLAND,
        follow_up=later,
        practice=HUB,
        participants=[Participant(name="Lisa <i>", role="coordinator", side="receiving")],
        activities=[
            Activity(kind="workshop", title="Later", date=dt.date(2021, 5, 1)),
            Activity(kind="study_visit", title="Visit", date=dt.date(2021, 3, 1)),
            Activity(kind="webinar", title="Undated"),
        ],
        action_plan=[
            ActionItem(title="Data sharing", category="it", due_date=dt.date(2020, 1, 1)),
        ],
        outcomes=Outcomes(worked_well="Focus <on> the tool"),
        condition_notes={"funding": "Incentives needed"},
        today=dt.date(2025, 1, 1),
        language=language,
    )
    assert [a.title for a in report.activities] == ["Visit", "Later", "Undated"]
    assert report.action_plan[0].overdue and report.action_summary.overdue == 1
    assert report.effect is not None and report.effect.verdict == "improved"
    assert len(report.radar.series) == 3
    return report


def report_html(language: str | None = None) -> str:
    return render_twinning_report(twinning_report(language))


def test_the_report_page_escapes_user_text_and_fetches_nothing() -> None:
    html = report_html()
    assert "Norrbotten &lt;learns&gt; &amp; grows" in html
    assert "Lisa &lt;i&gt;" in html and "Focus &lt;on&gt; the tool" in html
    assert "<p>Line one<br>line two</p><p>A new paragraph</p>" in html
    assert html.count("<svg") == 1 and "Incentives needed" in html
    assert "overdue" in html and "Regional innovation hub" in html
    assert not any(tag in html for tag in ("<link", ' src="', 'href="http', "<script"))


def test_the_report_speaks_swedish_and_keeps_the_facts() -> None:
    english, swedish = twinning_report(), twinning_report("sv-SE")
    assert (english.language, swedish.language) == ("en", "sv")
    model = MODEL.localized("sv")
    assert swedish.model_name == model.name
    focus = swedish.rationale.focus[0]
    assert focus.name == model.dimension(INNOVATION).name == "Innovationsledning"
    assert focus.receiving.descriptor == model.dimension(INNOVATION).levels[1]
    assert focus.receiving.band_name == "Inledande"
    assert "ett gap på 3 att lära av" in swedish.rationale.summary
    assert swedish.conditions.in_place[0].reason.endswith("en förutsättning som finns.")
    assert swedish.action_plan[0].area == "IT"
    assert swedish.radar.language == "sv" and swedish.radar.title == "Norrbotten och Scotland"
    scores = [
        (f.receiving.score, f.receiving.justification, f.gap) for f in swedish.rationale.focus
    ]
    assert scores == [
        (f.receiving.score, f.receiving.justification, f.gap) for f in english.rationale.focus
    ]
    html = render_twinning_report(swedish)
    assert '<html lang="sv">' in html
    for text in (
        "Twinningrapport",
        "Lokala förutsättningar för införande i Norrbotten",
        "Handlingsplan",
        "Lärdomar",
        "1 mars 2021",
        "försenad",
        "förbättrad",
    ):
        assert text in html, text
    assert "Norrbotten &lt;learns&gt; &amp; grows" in html  # user text as written, escaped
    assert ">+0,58</td>" in html  # the overall change, written the Swedish way


def test_every_stored_key_has_words() -> None:
    kinds = {
        "type": TwinningType,
        "status": TwinningStatus,
        "side": ParticipantSide,
        "kind": ActivityKind,
        "format": ActivityFormat,
        "category": ChallengeCategory,
        "action_status": ActionStatus,
    }
    for kind, keys in kinds.items():
        assert set(LABELS[kind]) == {key.value for key in keys}, kind
    assert set(LABELS["verdict"]) == set(VERDICTS)
    assert set(LABELS["condition"]) == set(get_args(ConditionStatus))
