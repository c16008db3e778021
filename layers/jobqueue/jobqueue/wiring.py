"""The AWS ports and the built-in handler registry, built once per process (each Lambda entry
point passes them to its use case). Nothing is built at import: adapters open their clients on
first use, and tests that start a fresh moto call `reset()`."""

from __future__ import annotations

from functools import cache

from jobqueue.adapters import aws
from jobqueue.adapters.clock import SystemClock
from jobqueue.adapters.dynamodb.activity import DynamoActivityLog
from jobqueue.adapters.dynamodb.alerts import DynamoAlertStore
from jobqueue.adapters.dynamodb.counters import DynamoTenantCounters
from jobqueue.adapters.dynamodb.jobs import DynamoJobRepository
from jobqueue.adapters.dynamodb.tenants import DynamoTenantRepository
from jobqueue.adapters.eventbridge import EventBridgeBus
from jobqueue.adapters.idempotency import PowertoolsIdempotency
from jobqueue.adapters.notifications import SesEmail, SnsSms
from jobqueue.adapters.queue_monitor import SqsQueueMonitor
from jobqueue.adapters.scheduler import SchedulerSchedules
from jobqueue.adapters.sqs import SqsJobQueue
from jobqueue.adapters.web import SafeWebPoster
from jobqueue.handlers import BUILTIN_HANDLER_NAMES, builtin_handlers
from jobqueue.plugins import app_handlers
from jobqueue.ports import Clock, Ports
from jobqueue.registry import Registry
from jobqueue.tenancy.profiles import CachedTenants


def aws_ports(clock: Clock | None = None) -> Ports:
    """A new set of AWS adapters (the tenant profiles cached a few seconds) on `clock`."""
    clock = clock or SystemClock()
    return Ports(
        jobs=DynamoJobRepository(clock),
        tenants=CachedTenants(DynamoTenantRepository(clock), clock),
        counters=DynamoTenantCounters(),
        queue=SqsJobQueue(clock),
        schedules=SchedulerSchedules(),
        events=EventBridgeBus(),
        clock=clock,
        email=SesEmail(),
        sms=SnsSms(),
        web=SafeWebPoster(),
        idempotency=PowertoolsIdempotency(),
        activity=DynamoActivityLog(clock=clock),
        queues=SqsQueueMonitor(clock=clock),
        alerts=DynamoAlertStore(),
    )


@cache
def default_ports() -> Ports:
    return aws_ports()


@cache
def default_registry() -> Registry:
    """The built-in handlers and the app's own (`jobqueue.plugins`)."""
    builtin = builtin_handlers(default_ports())
    specs, hooks = app_handlers(frozenset(spec.name for spec in builtin))
    return Registry([*builtin, *specs], hooks)


def check_app_handlers() -> None:
    """Import the app's handlers now (a function's start): PluginError names a module that
    fails to import or a handler name defined twice."""
    app_handlers(BUILTIN_HANDLER_NAMES)


def reset() -> None:
    """Forget the cached ports, registry and AWS clients (a test's moto started anew)."""
    default_registry.cache_clear()
    default_ports.cache_clear()
    aws.reset_clients()
