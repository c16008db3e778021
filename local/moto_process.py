"""moto in server mode as a child process of the stack (`python -m local.moto_server`): started
in its own session, ready when it prints `ready`, its output forwarded line by line; stopped
with SIGKILL (its state dies with the stack anyway, and the port is free at once)."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from local.errors import StackError


class MotoServer:
    def __init__(self, host: str, port: int, cwd: Path):
        self.port = port
        self.process: subprocess.Popen[str] = subprocess.Popen(
            [sys.executable, "-m", "local.moto_server", host, str(port)],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def wait_ready(self, say: Callable[[str], None]) -> None:
        """Block until moto says `ready` (StackError with its output if it does not), then
        forward the rest of its output to `say`."""
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            rest = self.process.stdout.read() if self.process.poll() is not None else ""
            raise StackError(f"moto server did not start on port {self.port}: {line}{rest}".strip())
        threading.Thread(target=_forward, args=(self.process.stdout, say), daemon=True).start()

    def stop(self) -> None:
        self.process.kill()  # its state dies with the stack anyway; the port is free at once
        self.process.wait()
        if self.process.stdin:
            self.process.stdin.close()


def _forward(stream: Any, say: Any) -> None:
    for line in iter(stream.readline, ""):
        if line.strip():
            say(line.rstrip())
