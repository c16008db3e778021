"""The background-thread lifecycle shared by the stack's pollers and its clock."""

from __future__ import annotations

import threading


class BackgroundLoop:
    """One daemon thread running `_run` until `request_stop` (or `stop`) sets `_stop`.

    `request_stop` only signals (so several loops can wind down at once); `stop` signals and
    then waits up to `join_timeout()` seconds for the thread. A loop whose `enabled()` is false
    when `start` is called never starts its thread.
    """

    def __init__(self, name: str):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def enabled(self) -> bool:
        return True

    def join_timeout(self) -> float:
        return 5.0

    def start(self) -> None:
        if self.enabled():
            self._thread.start()

    def request_stop(self) -> None:
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.join_timeout())

    def _run(self) -> None:
        raise NotImplementedError
