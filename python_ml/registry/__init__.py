"""The model registry shared by every task: rows written by a training run, models rebuilt
from them (no pickle: model text, numbers and JSON), and scoring of a task's mart rows."""

from python_ml.registry.model import RegisteredModel, Scores
from python_ml.registry.records import REGISTRY_COLUMNS, next_version, registry_records

__all__ = ["REGISTRY_COLUMNS", "RegisteredModel", "Scores", "next_version", "registry_records"]
