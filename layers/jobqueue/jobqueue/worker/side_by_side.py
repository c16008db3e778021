"""Running a batch's records side by side: a bounded thread pool under Powertools'
`AsyncBatchProcessor` (which gathers the records and builds the partial batch response), and the
gate that lets a `run_alone` handler's job run with nothing beside it.

Jobs mostly wait on I/O (HTTP calls, DynamoDB, email), so threads let ten jobs of ten seconds
take ten seconds of Lambda time instead of a hundred, and a quiet tenant's record does not wait
for the noisy tenant's records ahead of it in the batch. The records are handed to the pool in
the batch's fair order (tenants take turns), so with fewer threads than records each tenant's
first record starts first.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    AsyncBatchProcessor,
    EventType,
    async_process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord


def process_side_by_side(
    event: dict[str, Any], handle: Callable[[SQSRecord], str], threads: int, context: Any
) -> dict[str, Any]:
    """Run `handle(record)` for every record on at most `threads` threads; a record whose
    handler raises is a batch item failure. Returns the partial batch response."""
    # Deferring every record of a batch is not an error of the function: answer, don't raise.
    processor = AsyncBatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    with ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="record") as pool:

        async def record_handler(record: SQSRecord) -> str:
            return await asyncio.get_running_loop().run_in_executor(pool, handle, record)

        return dict(async_process_partial_response(event, record_handler, processor, context))


class RunGate:
    """Shared by the jobs that may run beside others, exclusive for a `run_alone` job. A job
    waiting to run alone goes first: no new shared holder enters while it waits."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._shared = 0
        self._alone = False
        self._waiting_alone = 0

    @contextmanager
    def hold(self, alone: bool) -> Iterator[None]:
        with self._changed:
            if alone:
                self._waiting_alone += 1
                self._changed.wait_for(lambda: not self._alone and self._shared == 0)
                self._waiting_alone -= 1
                self._alone = True
            else:
                self._changed.wait_for(lambda: not self._alone and self._waiting_alone == 0)
                self._shared += 1
        try:
            yield
        finally:
            with self._changed:
                if alone:
                    self._alone = False
                else:
                    self._shared -= 1
                self._changed.notify_all()
