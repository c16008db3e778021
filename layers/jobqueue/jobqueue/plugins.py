"""Your own handlers: every module of the package `app_handlers` (the `HandlersLayer`,
`layers/handlers/app_handlers/*.py`), imported when the registry is built, in the api (for
validation and `GET /v1/handlers`) and in the worker. docs/handlers.md is the tutorial.

A module that fails to import, a handler name registered twice or a bad `@handler` argument
stops the function's start with a `PluginError` naming the module: a worker never runs with
half of its handlers.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from jobqueue.registry import HandlerSpec, Hooks, hooks_in, specs_in

APP_PACKAGE = "app_handlers"


class PluginError(RuntimeError):
    """The app's handlers cannot be loaded; the message names the module and the cause."""


def app_modules(package: str = APP_PACKAGE) -> list[ModuleType]:
    """The package's modules, imported, by name (none when the package is not installed)."""
    try:
        root = importlib.import_module(package)
    except ModuleNotFoundError as error:
        if error.name == package:
            return []
        raise PluginError(f"{package} failed to import: {error}") from error
    except Exception as error:
        raise PluginError(f"{package} failed to import: {type(error).__name__}: {error}") from error
    modules = [root]
    for info in sorted(pkgutil.iter_modules(getattr(root, "__path__", [])), key=lambda i: i.name):
        name = f"{package}.{info.name}"
        try:
            modules.append(importlib.import_module(name))
        except Exception as error:
            raise PluginError(f"{name} failed to import: {type(error).__name__}: {error}") from error
    return modules


def app_handlers(
    builtin_names: set[str] | frozenset[str] = frozenset(), package: str = APP_PACKAGE
) -> tuple[list[HandlerSpec], Hooks]:
    """The app's handler specs and worker-wide hooks. PluginError for a name defined twice,
    or one a built-in handler has."""
    specs: dict[str, HandlerSpec] = {}
    hooks = Hooks()
    for module in app_modules(package):
        hooks = hooks + hooks_in(module)
        for spec in specs_in(module):
            if spec.module != module.__name__:
                continue  # imported from another module: counted where it is defined
            if spec.name in builtin_names:
                raise PluginError(f"{module.__name__}: handler {spec.name!r} is a built-in handler's name")
            known = specs.get(spec.name)
            if known is not None:
                raise PluginError(
                    f"{module.__name__}: handler {spec.name!r} registered twice (also in {known.module})"
                )
            specs[spec.name] = spec
    return list(specs.values()), hooks
