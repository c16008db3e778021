"""Starting the stack fails loudly, naming the culprit, when the template and the code disagree or
a port is taken (local/stack.py)."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path
from typing import Any

import pytest
import yaml

from local.errors import StackError
from local.stack import LocalStack
from local.tcp_ports import free_port
from local.template import load_template
from tests.integration.local.conftest import ROOT


def _template_copy(tmp_path: Path, change: Any) -> Path:
    """The project's template with absolute code folders, changed by `change(template)`."""
    template = load_template(ROOT / "template.yaml")
    for resource in template["Resources"].values():
        props = resource.get("Properties") or {}
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str):
                props[key] = str(ROOT / props[key])
    change(template)
    path = tmp_path / "template.yaml"
    path.write_text(yaml.safe_dump(template, sort_keys=False))
    return path


def _start(template: Path) -> None:
    stack = LocalStack(free_port(), free_port(), "k", template=template, create_demo_tenant=False)
    try:
        stack.start()
    finally:
        stack.stop()


def test_a_handler_that_does_not_exist_stops_the_start_naming_the_function(tmp_path: Path) -> None:
    def break_handler(template: dict) -> None:
        template["Resources"]["SweeperFunction"]["Properties"]["Handler"] = "sweeper_app.no_such_handler"

    with pytest.raises(StackError, match=r"SweeperFunction.*Runtime\.HandlerNotFound"):
        _start(_template_copy(tmp_path, break_handler))


def test_an_env_var_referring_to_nothing_stops_the_start_naming_function_and_variable(tmp_path: Path) -> None:
    def break_env(template: dict) -> None:
        variables = template["Resources"]["WorkerFunction"]["Properties"]["Environment"]["Variables"]
        variables["QUEUE_URL_LOW"] = {"Ref": "NoSuchQueue"}

    with pytest.raises(StackError, match=r"WorkerFunction.*QUEUE_URL_LOW.*NoSuchQueue"):
        _start(_template_copy(tmp_path, break_env))


def test_an_event_source_on_a_queue_outside_the_template_stops_the_start(tmp_path: Path) -> None:
    def break_event(template: dict) -> None:
        events = template["Resources"]["DeadLetterFunction"]["Properties"]["Events"]
        next(iter(events.values()))["Properties"]["Queue"] = "arn:aws:sqs:us-east-1:123456789012:elsewhere"

    with pytest.raises(StackError, match=r"DeadLetterFunction\.Events\..*not a queue of this template"):
        _start(_template_copy(tmp_path, break_event))


def test_a_port_in_use_is_a_clear_error_not_a_traceback() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        stack = LocalStack(port, free_port(), "k", create_demo_tenant=False)

        with pytest.raises(StackError, match=rf"port {port} .*JOBQ_PORT"):
            stack.start()


def test_an_app_handler_module_that_fails_to_import_stops_the_start_naming_it(tmp_path: Path) -> None:
    handlers = tmp_path / "handlers"
    shutil.copytree(ROOT / "layers" / "handlers", handlers, ignore=shutil.ignore_patterns("__pycache__"))
    (handlers / "app_handlers" / "garden.py").write_text(
        "from pydantic import BaseModel\n"
        "from jobqueue import handler\n\n\n"
        "class Plant(BaseModel):\n    name: str\n\n\n"
        '@handler("plant", category="gardening", payload=Plant)\n'
        "def plant(payload, ctx):\n    return None\n"
    )

    def use_copy(template: dict) -> None:
        template["Resources"]["HandlersLayer"]["Properties"]["ContentUri"] = str(handlers)

    with pytest.raises(
        StackError,
        match=r"(?s)(ApiFunction|WorkerFunction).*app_handlers\.garden failed to import.*gardening",
    ):
        _start(_template_copy(tmp_path, use_copy))
