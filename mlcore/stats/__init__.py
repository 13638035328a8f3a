"""Metrics with their intervals, calibration, and the rule that picks the threshold."""
