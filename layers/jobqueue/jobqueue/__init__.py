"""jobqueue: the shared library of the serverless multi-tenant job service."""

__version__ = "0.1.0"
