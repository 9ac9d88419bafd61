"""Open Power ML."""
