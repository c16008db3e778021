"""Local TCP ports: whether one is free, a free one for tests, and the start-up check that names
the environment variable to change when a port of the stack is taken."""

from __future__ import annotations

import socket

from local.errors import StackError


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def check_ports(host: str, ports: list[tuple[int, str, str]]) -> None:
    """Raises StackError for the first (port, what, variable) that is in use on `host`."""
    for port, what, variable in ports:
        if not port_free(host, port):
            raise StackError(
                f"port {port} on {host} (for the {what}) is already in use: stop whatever listens "
                f"there (`lsof -i :{port}`) or choose another port with {variable}=..."
            )
