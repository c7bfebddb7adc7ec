"""Helpers shared by the pytest suite (raw-layer fixtures, dbt runner)."""
