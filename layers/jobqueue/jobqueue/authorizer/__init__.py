"""The authorizer function: the HTTP API's Lambda authorizer (API key -> tenant, role, tier)."""
