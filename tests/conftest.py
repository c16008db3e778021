"""Every functions/* folder on sys.path, so tests import the real entry points by name
(`worker_app`, `api_app`, ...; each entry point's module name is unique)."""

import sys
from pathlib import Path

_FUNCTIONS = Path(__file__).resolve().parent.parent / "functions"
for _folder in sorted(p for p in _FUNCTIONS.iterdir() if p.is_dir()):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))
