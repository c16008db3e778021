"""The DispatcherFunction entry point with the sample events of events/ (as `sam local invoke -e`
would send them)."""

import json
from dataclasses import dataclass
from pathlib import Path

import dispatcher_app

from jobqueue import ids
from jobqueue.models.job import JobStatus, JobType
from jobqueue.times import parse_iso, truncate_to_minute
from jobqueue.wiring import default_ports
from tests.integration.scheduling.conftest import NOW
from tests.support.factories import make_job

EVENTS = Path(__file__).resolve().parents[3] / "events"


@dataclass
class LambdaContext:
    function_name: str = "jobqueue-dispatcher"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:jobqueue-dispatcher"
    aws_request_id: str = "req-1"


def sample(name):
    return json.loads((EVENTS / name).read_text())


def test_the_dispatch_sample_event_queues_its_job(scheduling_env):
    event = sample("scheduler_dispatch.json")
    store = default_ports().jobs
    store.create(
        make_job(id=event["job_id"], type=JobType.DELAYED, status=JobStatus.PENDING, scheduled_for=NOW)
    )

    answer = dispatcher_app.lambda_handler(event, LambdaContext())

    assert answer["result"] == "queued" and store.get("acme", event["job_id"]).status is JobStatus.QUEUED


def test_the_cron_sample_event_creates_the_run_of_its_slot(scheduling_env):
    event = sample("scheduler_cron.json")
    store = default_ports().jobs
    parent = make_job(
        id=event["job_id"], type=JobType.RECURRING, status=JobStatus.PENDING, cron="0 * * * *", enabled=True
    )
    store.create(parent)

    answer = dispatcher_app.lambda_handler(event, LambdaContext())

    slot = truncate_to_minute(parse_iso(event["scheduled_time"]))
    assert answer == {
        "action": "cron",
        "result": "run_created",
        "job_id": ids.run_id(parent.id, slot),
        "detail": None,
    }
