"""The authorizer's decisions with an in-memory key store (no AWS)."""

from __future__ import annotations

import hashlib

import pytest

from jobqueue.authorizer.authorize import Unauthorized, authorize, bearer_token, is_admin_hash
from jobqueue.ids import hash_key
from jobqueue.models.tenant import Tenant
from jobqueue.settings import get_settings
from jobqueue.testing import FrozenClock
from jobqueue.testing.tenants import InMemoryTenantRepository
from tests.support.events import load_event

ADMIN_KEY = "jq_the_admin_key"


def memory_store() -> InMemoryTenantRepository:
    return InMemoryTenantRepository(FrozenClock())


class UnusableStore:
    def __getattr__(self, name):
        raise AssertionError("the store must not be used")


@pytest.fixture(autouse=True)
def _admin_hash(monkeypatch):
    monkeypatch.setenv("ADMIN_KEY_HASH", hash_key(ADMIN_KEY))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _event(authorization: str | None):
    return load_event("authorizer_request", headers={"authorization": authorization})


def test_a_key_is_hashed_with_sha256_hex():
    assert hash_key("abc") == hashlib.sha256(b"abc").hexdigest()


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer   abc ", "abc"),
        ("Basic abc", None),
        ("Bearer", None),
        ("Bearer " + "x" * 513, None),
        (None, None),
    ],
)
def test_the_bearer_token_is_read_from_the_authorization_header(header, token):
    assert bearer_token({"authorization": header} if header else {}) == token


def test_the_header_name_is_matched_case_insensitively():
    assert bearer_token({"Authorization": "Bearer abc"}) == "abc"


def test_the_admin_hash_comparison_needs_an_exact_match():
    digest = hash_key(ADMIN_KEY)

    assert is_admin_hash(digest, digest.upper())
    assert not is_admin_hash(hash_key("other"), digest)
    assert not is_admin_hash(digest, "")


def test_the_admin_key_is_allowed_without_reading_the_table():
    answer = authorize(_event(f"Bearer {ADMIN_KEY}"), UnusableStore())

    assert answer == {"isAuthorized": True, "context": {"role": "admin", "key_id": "admin"}}


def test_a_request_without_a_bearer_key_is_unauthorized_without_reading_the_table():
    with pytest.raises(Unauthorized):
        authorize(_event(None), UnusableStore())


def test_no_key_is_admin_when_no_admin_hash_is_configured(monkeypatch):
    monkeypatch.setenv("ADMIN_KEY_HASH", "")
    get_settings.cache_clear()

    with pytest.raises(Unauthorized):
        authorize(_event(f"Bearer {ADMIN_KEY}"), memory_store())


def test_a_tenant_key_gets_its_tenant_role_key_id_and_tier():
    store = memory_store()
    key_id, api_key = store.issue_key("acme")
    store.put(Tenant(tenant_id="acme", name="Acme", tier=3))

    answer = authorize(_event(f"Bearer {api_key}"), store)

    assert answer["context"] == {"role": "tenant", "key_id": key_id, "tenant_id": "acme", "tier": 3}
