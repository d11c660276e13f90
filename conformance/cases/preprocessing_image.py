"""Conformance cases: preprocessing_image."""

CASES = []
