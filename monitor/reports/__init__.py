"""Observation reports and data exports, with redaction profiles."""
