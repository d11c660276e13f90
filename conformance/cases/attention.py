"""Conformance cases: attention."""

CASES = []
