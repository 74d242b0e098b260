"""Mirador de Obras: geodata."""
