"""The notification handlers' pure rules: signatures, status classes, addresses, payloads."""

import hashlib
import hmac

import pytest
from pydantic import ValidationError

from jobqueue.adapters.web import is_public_address, vetted_address
from jobqueue.errors import HandlerError, NonRetryableError
from jobqueue.handlers.notifications import EmailPayload, SmsPayload, sender_for
from jobqueue.handlers.webhook import WebhookPayload, classify, sign


def test_the_signature_is_the_hex_hmac_sha256_of_the_body():
    body = b'{"a":1}'

    assert sign(body, "k") == "sha256=" + hmac.new(b"k", body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize("status", [200, 201, 204])
def test_a_2xx_answer_is_success(status):
    assert classify(status) is None


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503])
def test_timeouts_throttling_and_server_errors_are_retried(status):
    error = classify(status)

    assert isinstance(error, HandlerError) and error.retryable


@pytest.mark.parametrize("status", [301, 400, 401, 403, 404, 410, 422])
def test_other_answers_are_final(status):
    assert isinstance(classify(status), NonRetryableError)


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "::1", "fd00::1", "0.0.0.0"],
)
def test_private_loopback_and_link_local_addresses_are_not_public(address):
    assert not is_public_address(address)


def test_an_ipv4_mapped_loopback_is_not_public():
    assert not is_public_address("::ffff:127.0.0.1")


def test_a_public_address_is_public():
    assert is_public_address("93.184.216.34")


def test_a_host_with_any_private_address_is_refused():
    with pytest.raises(NonRetryableError):
        vetted_address("example.com", 443, False, lambda host, port: ["93.184.216.34", "10.0.0.1"])


def test_the_private_switch_lets_a_private_address_through():
    assert vetted_address("hooks.local", 443, True, lambda host, port: ["10.0.0.1"]) == "10.0.0.1"


def test_a_name_that_does_not_resolve_is_retried():
    def fails(host, port):
        raise OSError("no such name")

    with pytest.raises(HandlerError) as raised:
        vetted_address("nowhere.invalid", 443, False, fails)

    assert raised.value.retryable


@pytest.mark.parametrize(
    "url", ["http://example.com/hook", "ftp://example.com", "https://", "https://user:pw@example.com/"]
)
def test_a_webhook_url_must_be_https_with_a_host_and_no_credentials(url):
    with pytest.raises(ValidationError):
        WebhookPayload(url=url)


def test_a_webhook_cannot_override_the_signature_header():
    with pytest.raises(ValidationError):
        WebhookPayload(url="https://example.com", headers={"X-Jobqueue-Signature": "forged"})


def test_an_email_needs_a_body_or_html():
    with pytest.raises(ValidationError):
        EmailPayload(to=["a@example.com"], subject="s")


def test_an_email_accepts_one_address_as_a_string():
    assert EmailPayload.model_validate({"to": "a@example.com", "subject": "s", "body": "b"}).to == [
        "a@example.com"
    ]


def test_the_sender_defaults_to_the_configured_one_and_stays_on_its_domain():
    assert sender_for(None, "noreply@jq.example") == "noreply@jq.example"
    assert sender_for("Alerts <alerts@jq.example>", "noreply@jq.example") == "Alerts <alerts@jq.example>"
    with pytest.raises(NonRetryableError):
        sender_for("boss@other.example", "noreply@jq.example")


@pytest.mark.parametrize("number", ["4155550100", "+0155550100", "+1 415 555 0100", "+1234567890123456"])
def test_an_sms_number_must_be_e164(number):
    with pytest.raises(ValidationError):
        SmsPayload(phone_number=number, message="hi")


def test_an_sms_is_at_most_1600_characters():
    with pytest.raises(ValidationError):
        SmsPayload(phone_number="+14155550100", message="x" * 1601)
