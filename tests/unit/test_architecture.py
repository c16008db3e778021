"""The shape of the library, read from its source (nothing imported): no import cycle, function
packages that do not lean on each other, the AWS SDK only in adapters, a registry that is a leaf,
entry points that only wire, and modules of at most 300 lines."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "layers" / "jobqueue" / "jobqueue"
FUNCTIONS = ROOT / "functions"
FUNCTION_PACKAGES = ("api", "authorizer", "worker", "sweeper", "dispatcher", "stream", "deadletter")
SDK = ("boto3", "botocore")


def module_name(path: Path) -> str:
    parts = path.relative_to(LIBRARY.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in LIBRARY.rglob("*.py")}


def imported(path: Path) -> set[str]:
    """Every module an import statement of `path` names (`from a import b` names a.b when b is
    a module, else a)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                names.add(candidate if candidate in modules() else node.module)
    return names


@cache
def graph() -> dict[str, set[str]]:
    return {name: {m for m in imported(path) if m in modules()} for name, path in modules().items()}


def test_no_module_of_the_library_imports_itself_back_through_others():
    cycles = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph()[name]):
            if state.get(target) == 1:
                cycles.append([*trail[trail.index(target) :], target] if target in trail else [name, target])
            elif target not in state:
                visit(target, [*trail, target])
        state[name] = 2

    for name in sorted(graph()):
        if name not in state:
            visit(name, [name])
    assert cycles == []


@pytest.mark.parametrize("package", FUNCTION_PACKAGES)
def test_a_function_package_imports_no_other_function_package(package):
    others = tuple(f"jobqueue.{p}" for p in FUNCTION_PACKAGES if p != package)
    leaks = {
        (name, target)
        for name, targets in graph().items()
        if name == f"jobqueue.{package}" or name.startswith(f"jobqueue.{package}.")
        for target in targets
        if target.startswith(others)
        and (target in others or target.startswith(tuple(o + "." for o in others)))
    }
    assert leaks == set()


def test_only_adapters_use_the_aws_sdk():
    users = {
        name
        for name, path in modules().items()
        if any(m == sdk or m.startswith(sdk + ".") for m in imported(path) for sdk in SDK)
    }
    assert users and all(name.startswith("jobqueue.adapters") for name in users), users


def test_only_the_wiring_and_the_stream_reader_reach_into_adapters():
    reaching = {
        (name, target)
        for name, targets in graph().items()
        if not name.startswith(("jobqueue.adapters", "jobqueue.wiring"))
        for target in targets
        if target.startswith("jobqueue.adapters")
    }
    # The stream function's input is the jobs table's own stream: its records are read by the
    # DynamoDB adapter that knows the item format.
    assert reaching == {("jobqueue.stream.process", "jobqueue.adapters.dynamodb.stream_records")}


def test_the_registry_is_a_leaf_that_imports_no_handler():
    assert not any(target.startswith("jobqueue.handlers") for target in graph()["jobqueue.registry"])
    assert graph()["jobqueue.registry"] <= {"jobqueue.errors", "jobqueue.models.job"}


@pytest.mark.parametrize("entry", sorted(FUNCTIONS.glob("*/*_app.py")), ids=lambda p: p.parent.name)
def test_an_entry_point_only_wires_its_own_package(entry):
    package = entry.parent.name
    targets = {m for m in imported(entry) if m.startswith("jobqueue")}
    allowed = (f"jobqueue.{package}", "jobqueue.wiring")
    assert targets and all(t.startswith(allowed) for t in targets), targets
    assert len(entry.read_text().splitlines()) <= 60


def test_no_module_is_longer_than_300_lines():
    sources = [*LIBRARY.rglob("*.py"), *FUNCTIONS.rglob("*.py"), *(ROOT / "local").rglob("*.py")]
    long = {str(p.relative_to(ROOT)): n for p in sources if (n := len(p.read_text().splitlines())) > 300}
    assert long == {}
