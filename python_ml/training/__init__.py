"""Training for every task: tasks, splits (fixed and walk-forward), tuning, calibration and
quantiles, thresholds, metrics, baselines, parallel families, and the walk-forward backtest.

The dbt Python models reach it through python_ml.dbt_models; the backtest through the CLI.
"""

from python_ml.training.pipeline import TrainingConfig, TrainingRun, train_models
from python_ml.training.splits import WalkForward, fixed_splits, walk_forward_splits
from python_ml.training.tasks import Task

__all__ = [
    "Task",
    "TrainingConfig",
    "TrainingRun",
    "WalkForward",
    "fixed_splits",
    "train_models",
    "walk_forward_splits",
]
