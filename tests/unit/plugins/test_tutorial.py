"""docs/handlers.md works as written: its module and its test, run as the page says."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.tutorial import tutorial_files, write_tutorial

ROOT = Path(__file__).resolve().parents[3]


def test_the_tutorial_has_a_module_and_its_test():
    assert set(tutorial_files()) == {"app_handlers/greetings.py", "tests/test_greetings.py"}


def test_the_tutorials_test_passes_on_the_tutorials_module(tmp_path):
    files = write_tutorial(tmp_path)
    (tmp_path / "app_handlers" / "__init__.py").write_text("")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "jobqueue"), str(tmp_path)])}

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            str(files["tests/test_greetings.py"]),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout
