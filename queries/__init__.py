"""Mirador de Obras: queries."""
