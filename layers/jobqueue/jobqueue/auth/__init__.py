"""Authentication: the HTTP API Lambda authorizer (API key -> tenant, role, tier)."""
