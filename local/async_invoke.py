"""Lambda's asynchronous invocation, as EventBridge rules and Scheduler invoke a function: the
event runs on a thread of its own, and a function error is retried twice, after 1 and 2
minutes, unless the stack stops first."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from local.errors import FunctionError

ASYNC_RETRY_DELAYS = (60.0, 120.0)  # Lambda's asynchronous invocation retries


def invoke_async(
    invoke: Callable[[str, Any], Any],
    function: str,
    event: Any,
    stopping: threading.Event,
    say: Callable[[str], None],
) -> None:
    """Returns at once; `say` gets a line for each failed attempt."""

    def run() -> None:
        for attempt, delay in enumerate((0.0, *ASYNC_RETRY_DELAYS)):
            if delay and stopping.wait(delay):
                return
            try:
                invoke(function, event)
                return
            except FunctionError as exc:
                if stopping.is_set():
                    return
                left = len(ASYNC_RETRY_DELAYS) - attempt
                say(f"async invoke failed ({exc.error_type}); {left} retries left")

    threading.Thread(target=run, name=f"async-{function}", daemon=True).start()
