"""Extracts deposited through the app: checked before anything changes, then stored in the raw folder."""
