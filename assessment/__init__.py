"""twinning's pure library: maturity model, scoring, consensus profiles, matching and charts.

No HTTP and no database here: the ``app`` package is a service over this library.
"""

from assessment.charts import (
    ChartCacheStats,
    RadarAxes,
    RadarAxis,
    RadarBand,
    RadarSeries,
    RadarSpec,
    chart_cache_stats,
    chart_etag,
    clear_chart_cache,
    radar_spec,
    render_radar,
    spec_json,
)
from assessment.comparison import DimensionDelta, ProfileComparison, compare_profiles
from assessment.errors import AssessmentError, ModelError, ParameterError, RatingError
from assessment.export import (
    profile_document,
    profile_to_csv,
    profile_to_json,
    ratings_document,
    ratings_to_csv,
    ratings_to_json,
    safe_cell,
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
from assessment.profile import ConsensusScore, Profile, Rounding, build_profile, propose_score
from assessment.ratings import Rating, RatingMatrix, parse_score
from assessment.ratings_io import read_ratings
from assessment.report import render_report
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
    "ChartCacheStats",
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
    "RadarAxes",
    "RadarAxis",
    "RadarBand",
    "RadarSeries",
    "RadarSpec",
    "Rating",
    "RatingError",
    "RatingMatrix",
    "Rounding",
    "Scale",
    "available_models",
    "band_of",
    "build_profile",
    "chart_cache_stats",
    "chart_etag",
    "clear_chart_cache",
    "column_stats",
    "compare_profiles",
    "default_model",
    "find_model",
    "load_model",
    "parse_model",
    "parse_score",
    "profile_document",
    "profile_to_csv",
    "profile_to_json",
    "propose_score",
    "radar_spec",
    "ratings_document",
    "ratings_to_csv",
    "ratings_to_json",
    "read_ratings",
    "render_radar",
    "render_report",
    "safe_cell",
    "score_group",
    "spec_json",
]
