"""Monitoring: the drift references stored with each model (PSI itself is computed in SQL,
models/monitoring/) and the inference log of every scoring run."""

from python_ml.monitoring.drift import feature_reference, prediction_reference
from python_ml.monitoring.inference_log import append_record, read_new_records

__all__ = ["append_record", "feature_reference", "prediction_reference", "read_new_records"]
