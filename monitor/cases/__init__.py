"""The defendant's case file (issue #11): facts of the case recorded once, with their source and history."""
