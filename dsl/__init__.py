"""Parley's language: parse strategies and policy packs, check them, format them."""

from dsl.diagnostics import Diagnostic, Severity
from dsl.parser import ParseResult, parse

__all__ = ["Diagnostic", "ParseResult", "Severity", "parse"]
