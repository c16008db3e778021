"""The code of docs/handlers.md: each fenced block after a `<!-- tutorial: <path> -->` line."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "handlers.md"
_BLOCK = re.compile(r"<!-- tutorial: (?P<path>\S+) -->\n```python\n(?P<code>.*?)```", re.S)


def tutorial_files() -> dict[str, str]:
    """{relative path: source} of the tutorial's files."""
    return {m["path"]: m["code"] for m in _BLOCK.finditer(DOC.read_text())}


def write_tutorial(root: Path) -> dict[str, Path]:
    """The tutorial's files under `root` (with the package's `__init__.py`)."""
    written = {}
    for relative, code in tutorial_files().items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code)
        written[relative] = path
    return written
