"""Built-in handlers. Importing this package registers them all."""

from jobqueue.handlers import demo, notify  # noqa: F401
