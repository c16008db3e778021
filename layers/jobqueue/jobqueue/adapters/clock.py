"""The system clock behind the `Clock` port."""

from __future__ import annotations

from datetime import datetime

from jobqueue.times import utc_now


class SystemClock:
    def now(self) -> datetime:
        return utc_now()
