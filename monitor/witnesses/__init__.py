"""Witnesses as persons in a trial, each heard at one or more sittings (appearances)."""
