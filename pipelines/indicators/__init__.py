"""Pure indicator computation: typed tables -> commune counts -> every level -> rates (no I/O)."""
