import pytest

from tests.support.moto_env import moto_env


@pytest.fixture
def aws_env():
    with moto_env() as env:
        yield env
