"""placeholder"""
CASES = []
