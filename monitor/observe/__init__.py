"""Observing hearings: the hearing form, autosave, submission, correction and review."""
