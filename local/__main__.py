"""`make run`: the whole system locally on moto server mode (see docs/local-stack.md).

Environment: JOBQ_PORT (API, default 3000), JOBQ_MOTO_PORT (moto, default 5000),
JOBQ_ADMIN_KEY (admin API key; generated when unset), JOBQ_VERBOSE=1 (a line per batch and
per metric), JOBQ_PARAMETERS (template parameter overrides, `Name=value,Name=value`).
"""

from __future__ import annotations

import os
import signal
import sys
import threading

from local.errors import StackError
from local.stack import LocalStack, new_admin_key


def _port(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    try:
        port = int(raw)
    except ValueError:
        sys.exit(f"{name}={raw!r} is not a port number")
    if not 0 < port < 65536:
        sys.exit(f"{name}={raw} is not a port number")
    return port


def _parameters(raw: str) -> dict[str, str]:
    pairs = [item.split("=", 1) for item in raw.split(",") if item.strip()]
    if any(len(pair) != 2 for pair in pairs):
        sys.exit(f"JOBQ_PARAMETERS={raw!r}: expected Name=value,Name=value")
    return {name.strip(): value.strip() for name, value in pairs}


def main() -> int:
    api_port = _port("JOBQ_PORT", 3000)
    moto_port = _port("JOBQ_MOTO_PORT", 5000)
    admin_key = os.environ.get("JOBQ_ADMIN_KEY") or new_admin_key()
    stack = LocalStack(
        api_port=api_port,
        moto_port=moto_port,
        admin_key=admin_key,
        parameters=_parameters(os.environ.get("JOBQ_PARAMETERS", "")),
        verbose=os.environ.get("JOBQ_VERBOSE", "") not in ("", "0", "false"),
    )
    stop = threading.Event()
    # Ctrl-C during start-up raises KeyboardInterrupt, even when started from a script that left
    # SIGINT ignored (background jobs of a non-interactive shell inherit SIG_IGN).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stack.start()
    except StackError as exc:
        print(f"\nmake run: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        stack.stop()
        return 130
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    _banner(stack, generated=not os.environ.get("JOBQ_ADMIN_KEY"))
    stop.wait()
    print("\nstopping ...", flush=True)
    stack.stop()
    print("stopped.", flush=True)
    return 0


def _banner(stack: LocalStack, generated: bool) -> None:
    lines = [
        "",
        "jobqueue is running locally (moto server mode; see docs/local-stack.md)",
        f"  API            {stack.api_url}    (docs: {stack.api_url}/v1/docs)",
        f"  moto endpoint  {stack.moto_url}    (AWS_ENDPOINT_URL={stack.moto_url} aws ...)",
        f"  admin key      {stack.admin_key}"
        + ("    (generated; set JOBQ_ADMIN_KEY to choose one)" if generated else ""),
    ]
    demo = stack.demo
    if demo and demo.api_key:
        lines += [
            f"  demo tenant    '{demo.tenant_id}' (tier 3 + custom_processing), key {demo.api_key}",
            "",
            "try:",
            f"  curl -s -X POST {stack.api_url}/v1/jobs -H 'Authorization: Bearer {demo.api_key}' \\",
            '       -H \'Content-Type: application/json\' -d \'{"handler": "echo", "payload": {"hello": "world"}}\'',
            f"  curl -s {stack.api_url}/v1/jobs -H 'Authorization: Bearer {demo.api_key}'",
        ]
    elif demo:
        lines.append(f"  demo tenant    not created: {demo.error}")
    lines += ["", "Ctrl-C stops everything.", ""]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
