"""twinning's pure library: maturity model, scoring, consensus profiles, matching and charts.

No HTTP and no database here: the ``app`` package is a service over this library.
"""

from assessment.comparison import DimensionDelta, ProfileComparison, compare_profiles
from assessment.errors import AssessmentError, ModelError, ParameterError, RatingError
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
    "Band",
    "ConsensusScore",
    "Dimension",
    "DimensionDelta",
    "DimensionStats",
    "GroupScores",
    "MaturityModel",
    "ModelError",
    "ModelRef",
    "ParameterError",
    "Profile",
    "ProfileComparison",
    "Rating",
    "RatingError",
    "RatingMatrix",
    "Rounding",
    "Scale",
    "available_models",
    "band_of",
    "build_profile",
    "column_stats",
    "compare_profiles",
    "default_model",
    "find_model",
    "load_model",
    "parse_model",
    "parse_score",
    "propose_score",
    "read_ratings",
    "score_group",
]
