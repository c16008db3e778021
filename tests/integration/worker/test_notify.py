"""Notification handlers: e-mail through SES and SMS through SNS on moto, webhooks against a local
HTTP server (plain http and private addresses allowed by the test switches)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
import worker_app
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

from jobqueue.errors import HandlerError, NonRetryableError
from jobqueue.handlers.notifications import EmailPayload, SmsPayload
from jobqueue.handlers.webhook import WebhookPayload, sign
from jobqueue.models.job import Category, JobStatus, JobType
from jobqueue.registry import JobContext
from jobqueue.settings import get_settings
from jobqueue.wiring import default_ports, default_registry
from tests.integration.worker.kit import message_event, submit
from tests.support.events import FakeLambdaContext
from tests.support.factories import make_job

SENDER = "noreply@jobqueue.example"
SECRET = "a-webhook-secret-of-some-length"


@pytest.fixture
def notify_env(worker_env, monkeypatch):
    monkeypatch.setenv("EMAIL_FROM", SENDER)
    get_settings.cache_clear()
    boto3.client("ses").verify_domain_identity(Domain="jobqueue.example")
    yield worker_env
    get_settings.cache_clear()


def context(timeout: float = 10) -> JobContext:
    return JobContext(
        job=make_job(handler="webhook", category=Category.NOTIFICATION), timeout_seconds=timeout
    )


def run_handler(name: str, payload, ctx: JobContext):
    """The built-in handler `name` as the worker runs it (bound to the AWS ports)."""
    return default_registry().get(name).func(payload, ctx)


def sent_emails():
    return ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages


# -- email ---------------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_an_email_job_sends_through_ses_and_completes(notify_env):
    job = submit(
        handler="email",
        category=Category.NOTIFICATION,
        type=JobType.NOTIFICATION,
        payload={"to": "ops@example.com", "subject": "Report", "body": "All green."},
    )

    worker_app.lambda_handler(message_event(job), FakeLambdaContext())

    done = default_ports().jobs.get(job.tenant_id, job.id)
    assert done.status is JobStatus.COMPLETED
    assert done.last_result.result["message_id"]
    (message,) = sent_emails()
    assert message.source == SENDER and message.destinations["ToAddresses"] == ["ops@example.com"]


def test_an_email_from_another_domain_is_refused_for_good(notify_env):
    payload = EmailPayload.model_validate(
        {"to": ["a@example.com"], "subject": "s", "body": "b", "from": "ceo@elsewhere.example"}
    )

    with pytest.raises(NonRetryableError):
        run_handler("email", payload, context())

    assert sent_emails() == []


def test_an_email_without_a_configured_sender_is_refused_for_good(worker_env, monkeypatch):
    monkeypatch.delenv("EMAIL_FROM", raising=False)
    get_settings.cache_clear()
    payload = EmailPayload(to=["a@example.com"], subject="s", body="b")

    with pytest.raises(NonRetryableError, match="EMAIL_FROM"):
        run_handler("email", payload, context())


def test_an_email_ses_rejects_is_not_retried(worker_env, monkeypatch):
    monkeypatch.setenv("EMAIL_FROM", "noreply@unverified.example")
    get_settings.cache_clear()
    payload = EmailPayload(to=["a@example.com"], subject="s", html="<p>b</p>")

    with pytest.raises(NonRetryableError, match="MessageRejected"):
        run_handler("email", payload, context())


# -- sms -----------------------------------------------------------------------------------------
def test_an_sms_is_published_to_the_phone_number(worker_env):
    payload = SmsPayload(phone_number="+14155550100", message="Your code is 1234")

    result = run_handler("sms", payload, context())

    published = sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sms_messages
    assert published[result["message_id"]] == ("+14155550100", "Your code is 1234")


# -- webhook -------------------------------------------------------------------------------------
class Receiver(BaseHTTPRequestHandler):
    """Answers by path: /ok 200, /gone 410, /busy 503, /throttled 429, /hang waits for release."""

    received: list[tuple[str, dict[str, str], bytes]] = []
    release = threading.Event()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Receiver.received.append((self.path, dict(self.headers), body))
        if self.path == "/hang":
            Receiver.release.wait(10)
        status = {"/ok": 200, "/gone": 410, "/busy": 503, "/throttled": 429}.get(self.path, 200)
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b'{"thanks": true}')

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(worker_env, monkeypatch):
    monkeypatch.setenv("WEBHOOK_ALLOW_INSECURE_HTTP", "1")
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "1")
    get_settings.cache_clear()
    Receiver.received = []
    Receiver.release = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    Receiver.release.set()
    server.shutdown()
    server.server_close()
    get_settings.cache_clear()


def hook(url: str, **fields) -> WebhookPayload:
    return WebhookPayload.model_validate({"url": url, "body": {"event": "done", "n": 1}, **fields})


def test_a_webhook_posts_the_json_body_signed_with_hmac_sha256(receiver):
    result = run_handler("webhook", hook(receiver + "/ok", secret=SECRET), context())

    (path, headers, body) = Receiver.received[0]
    assert result["status_code"] == 200 and path == "/ok"
    assert json.loads(body) == {"event": "done", "n": 1}
    assert headers["X-Jobqueue-Signature"] == sign(body, SECRET)
    assert headers["Content-Type"] == "application/json"


def test_a_webhook_signs_with_the_configured_secret_by_default(receiver, monkeypatch):
    monkeypatch.setenv("WEBHOOK_SIGNING_SECRET", "the-service-wide-secret")
    get_settings.cache_clear()

    run_handler("webhook", hook(receiver + "/ok"), context())

    (_, headers, body) = Receiver.received[0]
    assert headers["X-Jobqueue-Signature"] == sign(body, "the-service-wide-secret")


@pytest.mark.parametrize(("path", "error"), [("/gone", NonRetryableError), ("/busy", HandlerError)])
def test_a_webhook_client_error_is_final_and_a_server_error_is_retried(receiver, path, error):
    with pytest.raises(error) as raised:
        run_handler("webhook", hook(receiver + path, secret=SECRET), context())

    assert raised.value.retryable is (error is HandlerError)


def test_a_throttled_webhook_is_retried(receiver):
    with pytest.raises(HandlerError) as raised:
        run_handler("webhook", hook(receiver + "/throttled", secret=SECRET), context())

    assert raised.value.retryable is True


def test_a_webhook_that_does_not_answer_in_time_is_retried(receiver):
    with pytest.raises(HandlerError) as raised:
        run_handler(
            "webhook", hook(receiver + "/hang", secret=SECRET, timeout_seconds=5), context(timeout=0.5)
        )

    assert raised.value.retryable is True


def test_a_webhook_to_a_private_address_is_refused_without_the_switch(receiver, monkeypatch):
    monkeypatch.delenv("WEBHOOK_ALLOW_PRIVATE")
    get_settings.cache_clear()

    with pytest.raises(NonRetryableError, match="non-public"):
        run_handler("webhook", hook(receiver + "/ok", secret=SECRET), context())

    assert Receiver.received == []


def test_a_webhook_without_any_secret_is_refused_for_good(receiver, monkeypatch):
    monkeypatch.delenv("WEBHOOK_SIGNING_SECRET", raising=False)
    get_settings.cache_clear()

    with pytest.raises(NonRetryableError, match="secret"):
        run_handler("webhook", hook(receiver + "/ok"), context())
