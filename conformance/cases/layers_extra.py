"""Conformance cases: layers_extra."""

CASES = []
