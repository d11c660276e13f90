"""Conformance cases: preprocessing."""

CASES = []
