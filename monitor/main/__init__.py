"""The home page, the language switch and the error pages."""
