"""Staging: typed source tables in DuckDB, commune codes mapped to the warehouse COG, rows kept to the scope."""
