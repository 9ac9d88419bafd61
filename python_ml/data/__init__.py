"""Raw market data for the warehouse's landing zone.

- :mod:`python_ml.data.opsd_sample`: the embedded default, a deterministic generator
  writing files in Open Power System Data's exact layout.
- :mod:`python_ml.data.download`: fetches the real OPSD packages, verified and atomic.
- :mod:`python_ml.data.plausibility`: the statistics that keep the sample realistic.
"""
