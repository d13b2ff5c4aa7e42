"""Operator scripts (serving locally, screenshots)."""
