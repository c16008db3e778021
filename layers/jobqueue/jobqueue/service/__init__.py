"""Use cases behind the API: submit, cancel/retry, tenant profiles, admission, idempotency."""
