"""After the match: a twinning run as a small project, from its rationale to its measured effect.

- :mod:`~assessment.twinning.lifecycle`: types, focus, status planned -> running -> concluded
  -> followed up, and what each move needs;
- :mod:`~assessment.twinning.rationale`: why the two regions twin (frozen at creation);
- :mod:`~assessment.twinning.conditions`: the receiving region's local conditions for adoption;
- :mod:`~assessment.twinning.plan`: the action plan in theory-of-change form;
- :mod:`~assessment.twinning.records`: participants, activities and outcomes as recorded;
- :mod:`~assessment.twinning.effect`: the change after re-assessment, per twinning and for a
  programme;
- :mod:`~assessment.twinning.report`: the twinning report as JSON and HTML;
- :mod:`~assessment.twinning.texts`: the words of stored keys, for the reader's language.
"""

from assessment.twinning.conditions import (
    Condition,
    ConditionParams,
    ConditionStatus,
    LocalConditions,
    local_conditions,
)
from assessment.twinning.effect import (
    DimensionEffect,
    FocusChange,
    ProgrammeEntry,
    ProgrammeView,
    TwinningEffect,
    Verdict,
    programme_view,
    twinning_effect,
)
from assessment.twinning.lifecycle import (
    TRANSITIONS,
    Requirement,
    TransitionCheck,
    TwinningFacts,
    TwinningStatus,
    TwinningType,
    check_focus,
    check_transition,
    next_steps,
)
from assessment.twinning.plan import (
    ActionItem,
    ActionPlanSummary,
    ActionStatus,
    ChallengeCategory,
    check_area,
    is_overdue,
    summarise_plan,
)
from assessment.twinning.rationale import (
    FocusRationale,
    MatchedPair,
    MatchEvidence,
    Rationale,
    SideScore,
    explain_pair,
    localized_rationale,
    twinning_rationale,
)
from assessment.twinning.records import (
    Activity,
    ActivityFormat,
    ActivityKind,
    Outcomes,
    Participant,
    ParticipantSide,
)
from assessment.twinning.report import (
    TwinningReport,
    build_twinning_report,
    render_twinning_report,
    twinning_radar,
)

__all__ = [
    "TRANSITIONS",
    "ActionItem",
    "ActionPlanSummary",
    "ActionStatus",
    "Activity",
    "ActivityFormat",
    "ActivityKind",
    "ChallengeCategory",
    "Condition",
    "ConditionParams",
    "ConditionStatus",
    "DimensionEffect",
    "FocusChange",
    "FocusRationale",
    "LocalConditions",
    "MatchEvidence",
    "MatchedPair",
    "Outcomes",
    "Participant",
    "ParticipantSide",
    "ProgrammeEntry",
    "ProgrammeView",
    "Rationale",
    "Requirement",
    "SideScore",
    "TransitionCheck",
    "TwinningEffect",
    "TwinningFacts",
    "TwinningReport",
    "TwinningStatus",
    "TwinningType",
    "Verdict",
    "build_twinning_report",
    "check_area",
    "check_focus",
    "check_transition",
    "explain_pair",
    "is_overdue",
    "local_conditions",
    "localized_rationale",
    "next_steps",
    "programme_view",
    "render_twinning_report",
    "summarise_plan",
    "twinning_effect",
    "twinning_radar",
    "twinning_rationale",
]
