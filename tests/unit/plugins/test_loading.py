"""Loading the app's own handlers (`jobqueue.plugins`): every module of the package, and a start
refused with the module's name for each way a module can be wrong."""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

import pytest

from jobqueue.handlers import BUILTIN_HANDLER_NAMES, builtin_handlers
from jobqueue.plugins import PluginError, app_handlers
from jobqueue.registry import Hooks
from jobqueue.testing import fake_ports

_names = itertools.count()

GOOD = """
from pydantic import BaseModel
from jobqueue import JobContext, handler, on_job_start

class Resize(BaseModel):
    width: int

@handler("resize", category="custom_processing", payload=Resize, timeout_seconds=20)
def resize(payload: Resize, ctx: JobContext) -> dict:
    return {"width": payload.width}

@on_job_start
def audit(payload, ctx) -> None:
    pass
"""


def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **modules: str) -> str:
    """A fresh package (its own name: nothing cached) holding `modules`; returns its name."""
    name = f"app_handlers_{next(_names)}"
    root = tmp_path / name
    root.mkdir()
    (root / "__init__.py").write_text("")
    for module, source in modules.items():
        (root / f"{module}.py").write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


def test_every_module_is_loaded_with_its_handlers_and_worker_hooks(tmp_path, monkeypatch):
    name = package(tmp_path, monkeypatch, images=GOOD, reports=GOOD.replace('"resize"', '"report"'))

    specs, hooks = app_handlers(BUILTIN_HANDLER_NAMES, package=name)

    assert sorted((s.name, s.module) for s in specs) == [
        ("report", f"{name}.reports"),
        ("resize", f"{name}.images"),
    ]
    assert [h.__name__ for h in hooks.on_start] == ["audit", "audit"]


def test_no_package_means_no_handlers():
    assert app_handlers(package="no_such_app_handlers_package") == ([], Hooks())


def test_a_module_that_fails_to_import_names_itself(tmp_path, monkeypatch):
    name = package(tmp_path, monkeypatch, ok=GOOD, broken="import not_installed_anywhere\n")

    with pytest.raises(PluginError, match=rf"{name}\.broken failed to import: ModuleNotFoundError"):
        app_handlers(package=name)


def test_a_bad_category_names_the_module_and_the_allowed_ones(tmp_path, monkeypatch):
    name = package(tmp_path, monkeypatch, bad=GOOD.replace("custom_processing", "gardening"))

    with pytest.raises(PluginError, match=rf"{name}\.bad failed to import.*'gardening' is not one of"):
        app_handlers(package=name)


def test_a_name_defined_in_two_modules_names_both(tmp_path, monkeypatch):
    name = package(tmp_path, monkeypatch, first=GOOD, second=GOOD)

    with pytest.raises(
        PluginError, match=rf"{name}\.second: handler 'resize' registered twice \(also in {name}\.first\)"
    ):
        app_handlers(package=name)


def test_a_built_in_name_is_refused(tmp_path, monkeypatch):
    name = package(tmp_path, monkeypatch, mine=GOOD.replace('"resize"', '"echo"'))

    with pytest.raises(PluginError, match=rf"{name}\.mine: handler 'echo' is a built-in handler's name"):
        app_handlers(BUILTIN_HANDLER_NAMES, package=name)


def test_a_handler_imported_into_another_module_counts_once(tmp_path, monkeypatch):
    name = package(tmp_path, monkeypatch, images=GOOD)
    (tmp_path / name / "reexport.py").write_text(f"from {name}.images import resize, audit\n")

    specs, hooks = app_handlers(package=name)

    assert [s.name for s in specs] == ["resize"] and len(hooks.on_start) == 1


def test_the_built_in_names_are_the_built_in_handlers():
    assert {spec.name for spec in builtin_handlers(fake_ports())} == BUILTIN_HANDLER_NAMES
