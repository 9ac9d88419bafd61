"""Training for the product's supervised tasks: splits, tuning, calibration, thresholds, metrics.

The dbt Python models under models/ml/ are thin wrappers over `python_ml.training.pipeline`.
"""
