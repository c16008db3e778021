"""The single DynamoDB table, as the store classes take it."""

from __future__ import annotations

from typing import Any

from jobqueue import aws
from jobqueue.settings import get_settings


class TableAdapter:
    """Holds the table given to the constructor (a test's table), or opens the configured one
    on first use."""

    def __init__(self, table: Any = None):
        self._table = table

    @property
    def table(self) -> Any:
        if self._table is None:
            self._table = aws.table(get_settings().table_name)
        return self._table
