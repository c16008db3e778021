"""Every functions/* folder on sys.path, so tests import the real entry points by name
(`worker_app`, `api_app`, ...; each entry point's module name is unique)."""

import sys
from pathlib import Path

_FUNCTIONS = Path(__file__).resolve().parent.parent / "functions"
for _folder in sorted(p for p in _FUNCTIONS.iterdir() if p.is_dir()):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

# moto's TransactWriteItems deep-copies whole tables; the local stack and the tests use a faster
# one with DynamoDB's semantics (local/moto_patches.py, tested in tests/unit/local). And each
# DynamoDB item operation is atomic, as on DynamoDB: the worker runs a batch's records in
# threads, and in-process moto has no lock of its own.
from local.moto_patches import install as _install_moto_patches  # noqa: E402
from local.moto_patches import serialize_dynamodb as _serialize_dynamodb  # noqa: E402

_install_moto_patches()
_serialize_dynamodb()
