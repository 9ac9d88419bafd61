"""Feature definitions shared by training and scoring (the SQL in dbt is the implementation)."""
