"""The warehouse: versioned DuckDB files swapped atomically, their journal, and the read-only query layer."""
