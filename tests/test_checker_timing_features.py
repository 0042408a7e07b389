"""The scenarios of tests/features/checker_timing.feature; their steps are in tests/checker_steps.py."""

from checker_steps import *  # noqa: F403  (pytest-bdd finds the steps and fixtures by name in this module)
from pytest_bdd import scenarios

scenarios("checker_timing.feature")
