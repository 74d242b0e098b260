"""Mirador de Obras: layers."""
