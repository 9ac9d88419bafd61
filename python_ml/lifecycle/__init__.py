"""Model lifecycle per task: statuses derived from the promotions log, artifact retention,
and the promotion gates."""

from python_ml.lifecycle.promotion import (
    PROMOTION_COLUMNS,
    PromotionSettings,
    empty_promotions,
    promotion_job,
)
from python_ml.lifecycle.status import artifacts_to_prune, current_champion, model_statuses

__all__ = [
    "PROMOTION_COLUMNS",
    "PromotionSettings",
    "artifacts_to_prune",
    "current_champion",
    "empty_promotions",
    "model_statuses",
    "promotion_job",
]
