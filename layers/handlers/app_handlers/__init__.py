"""Your handlers: every module in this package is imported by the api (to validate submissions
and list `GET /v1/handlers`) and by the worker (to run jobs). Add a module, restart `make run`
(or `sam build && sam deploy`), and submit jobs to its handlers. docs/handlers.md walks through
it; `examples.py` is a working pair of handlers to copy from."""
