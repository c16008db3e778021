"""The built-in handlers: demo (`echo`, `sleep`, `fail`, `flaky`), notification (`email`, `sms`,
`webhook`), the service's own deliveries (`callback`, `tenant_webhook`) and maintenance
(`cleanup_old_jobs`, `usage_report`, `reconcile_counters`)."""

from __future__ import annotations

from jobqueue.handlers import demo
from jobqueue.handlers.deliveries import delivery_handlers
from jobqueue.handlers.maintenance import maintenance_handlers
from jobqueue.handlers.notifications import notification_handlers
from jobqueue.handlers.webhook import webhook_handler
from jobqueue.ports import Ports
from jobqueue.registry import HandlerSpec, specs_in

# The names `builtin_handlers` gives (a test keeps them equal): checked against the app's own
# handlers when a function starts, before any port exists.
BUILTIN_HANDLER_NAMES = frozenset(
    {
        "echo",
        "sleep",
        "fail",
        "flaky",
        "email",
        "sms",
        "webhook",
        "callback",
        "tenant_webhook",
        "cleanup_old_jobs",
        "usage_report",
        "reconcile_counters",
    }
)


def builtin_handlers(ports: Ports) -> list[HandlerSpec]:
    """Every built-in handler, those that reach outside the process bound to `ports`."""
    return [
        *specs_in(demo),
        *notification_handlers(ports.email, ports.sms),
        webhook_handler(ports.web),
        *delivery_handlers(ports.jobs, ports.tenants, ports.web, ports.clock),
        *maintenance_handlers(ports.jobs, ports.counters, ports.clock),
    ]
