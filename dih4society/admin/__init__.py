"""Administration: users, roles, the audit log."""
