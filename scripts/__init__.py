"""Benchmark and load-test scripts (not part of the test suite)."""
