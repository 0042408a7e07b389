"""Scores the engine consults: synthetic training data, calibrated models and their cards."""
