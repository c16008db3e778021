import pytest


@pytest.fixture
def worker_env(aws_env, monkeypatch):
    """moto with the app's table and queues, and the Powertools settings of the functions."""
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "jobqueue")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "JobQueue")
    return aws_env
