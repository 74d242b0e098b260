"""Mirador de Obras: dashboard."""
