"""Assessment API on the /api/v1/ router."""
