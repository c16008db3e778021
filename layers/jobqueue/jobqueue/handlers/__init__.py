"""Built-in handlers. Importing this package registers them all."""

from jobqueue.handlers import demo, maintenance, notify  # noqa: F401
