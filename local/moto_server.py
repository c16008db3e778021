"""moto in server mode, in a process of its own (its own GIL, and a port that is freed for sure
when the process ends): `python -m local.moto_server HOST PORT`.

Prints `ready` once it listens; exits when its stdin closes (the stack stopped or died) or on
SIGTERM/SIGINT.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    from moto.server import ThreadedMotoServer

    from local import fair_queues
    from local.moto_patches import install, serialize_dynamodb

    install()  # transactions without a deep copy of every table
    serialize_dynamodb()  # one DynamoDB item operation at a time, as DynamoDB serializes an item's writes
    fair_queues.install()  # a quiet tenant's messages ahead of a flooding tenant's, as SQS fair queues do

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log line per AWS call

    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    done = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: done.set())

    def watch_stdin() -> None:
        sys.stdin.read()  # returns at EOF: the parent is gone
        done.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    print("ready", flush=True)
    done.wait()
    server.stop()


if __name__ == "__main__":
    main()
