"""twinning's pure library: maturity model, scoring, consensus profiles, matching and charts.

No HTTP and no database here: the ``app`` package is a service over this library.
"""

from assessment.comparison import DimensionDelta, ProfileComparison, compare_profiles
from assessment.errors import AssessmentError, ModelError, ParameterError, RatingError
from assessment.matching import (
    Assignment,
    MatchingParams,
    MatchingResult,
    PairProposal,
    TransferLoad,
    UnmetNeed,
    assign_partners,
    candidate_pairs,
    suggest_partners,
)
from assessment.model import (
    Band,
    Dimension,
    MaturityModel,
    ModelRef,
    Scale,
    available_models,
    default_model,
    find_model,
    load_model,
    parse_model,
)
from assessment.practices import (
    DimensionGap,
    GoodPractice,
    PracticeFeasibility,
    PracticeReport,
    parse_practice,
    practice_gaps,
)
from assessment.profile import ConsensusScore, Profile, Rounding, build_profile, propose_score
from assessment.ratings import Rating, RatingMatrix, parse_score
from assessment.ratings_io import read_ratings
from assessment.scoring import (
    AgreementRule,
    DimensionStats,
    GroupScores,
    band_of,
    column_stats,
    score_group,
)

__all__ = [
    "AgreementRule",
    "AssessmentError",
    "Assignment",
    "Band",
    "ConsensusScore",
    "Dimension",
    "DimensionDelta",
    "DimensionGap",
    "DimensionStats",
    "GoodPractice",
    "GroupScores",
    "MatchingParams",
    "MatchingResult",
    "MaturityModel",
    "ModelError",
    "ModelRef",
    "PairProposal",
    "ParameterError",
    "PracticeFeasibility",
    "PracticeReport",
    "Profile",
    "ProfileComparison",
    "Rating",
    "RatingError",
    "RatingMatrix",
    "Rounding",
    "Scale",
    "TransferLoad",
    "UnmetNeed",
    "assign_partners",
    "available_models",
    "band_of",
    "build_profile",
    "candidate_pairs",
    "column_stats",
    "compare_profiles",
    "default_model",
    "find_model",
    "load_model",
    "parse_model",
    "parse_practice",
    "parse_score",
    "practice_gaps",
    "propose_score",
    "read_ratings",
    "score_group",
    "suggest_partners",
]
