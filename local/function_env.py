"""The environment of a function's process, built from nothing as Lambda builds it: the
template's variables plus what Lambda sets, every boto3 client pointed at moto."""

from __future__ import annotations

import os

from local.function_specs import FunctionSpec


def lambda_environment(
    spec: FunctionSpec, *, endpoint_url: str, region: str, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """The whole environment of the function's process: the template's variables plus what Lambda
    sets, pointed at moto. Nothing is inherited from the parent process but PATH."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "PYTHONPATH": os.pathsep.join(str(p) for p in [spec.code_dir, *spec.layer_dirs]),
        "PYTHONUNBUFFERED": "1",  # log lines reach the console as they are written
        "_HANDLER": spec.handler,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "local",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_ENDPOINT_URL": endpoint_url,
        # No ~/.aws of the developer leaks in.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        # No X-Ray daemon here: Tracer becomes a no-op instead of failing to emit segments.
        "POWERTOOLS_TRACE_DISABLED": "true",
        "WEBHOOK_ALLOW_PRIVATE": "1",
        # Callbacks and webhooks to a server on this machine (http://localhost:...).
        "WEBHOOK_ALLOW_INSECURE_HTTP": "1",
    }
    env.update(spec.environment)
    env.update(extra or {})
    return env
