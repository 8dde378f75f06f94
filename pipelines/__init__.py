"""Data half of the SDSF dashboard: raw files -> typed tables -> indicators -> DuckDB warehouse."""
