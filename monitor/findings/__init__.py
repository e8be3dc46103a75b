"""Mission findings: violations aggregated across defendants, hearings and trials."""
