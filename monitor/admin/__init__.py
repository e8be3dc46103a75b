"""Administration: accounts and the audit log."""
