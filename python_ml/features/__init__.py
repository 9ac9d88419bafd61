"""Feature schemas and train-serve parity (the SQL in dbt is the features' implementation).

- :mod:`python_ml.features.schema`: a mart's recorded columns, roles and column metadata.
- :mod:`python_ml.features.parity`: a scoring frame against a model's training layout.
"""

from python_ml.features.parity import ParityError, RangeReport, check_parity, describe_features
from python_ml.features.schema import FeatureSchema, feature_matrix, latest_schema

__all__ = [
    "FeatureSchema",
    "ParityError",
    "RangeReport",
    "check_parity",
    "describe_features",
    "feature_matrix",
    "latest_schema",
]
