"""After the courtroom (issue #14): what became of each torture allegation (``records``: complaints,
investigations, outcomes, reprisals, communications to UN bodies) and a lead's legal assessment of a trial
(``legal``: a conclusion per right and an overall fairness grade). ``routes`` holds the pages."""
