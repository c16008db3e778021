"""The alert store's contract, on memory and on DynamoDB: rule sets, one open alert per rule,
acknowledging, closing, listing newest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jobqueue.adapters.dynamodb.alerts import DynamoAlertStore
from jobqueue.ids import ulid
from jobqueue.models.alerts import DEFAULT_RULES, Alert, AlertMetric, AlertRule, AlertRuleSet, AlertStatus
from jobqueue.testing.alerts import InMemoryAlertStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RULE = AlertRule(name="failures", metric=AlertMetric.FAILURE_RATE, operator=">", threshold=0.2)


@pytest.fixture(params=["memory", "dynamodb"])
def store(request):
    if request.param == "memory":
        return InMemoryAlertStore()
    request.getfixturevalue("aws_env")
    return DynamoAlertStore()


def alert(rule: str = "failures", at: datetime = T0) -> Alert:
    return Alert(
        id=ulid(at),
        rule=rule,
        metric=AlertMetric.FAILURE_RATE,
        operator=">",
        value=0.5,
        threshold=0.2,
        status=AlertStatus.FIRING,
        message="failure_rate is 0.5",
        fired_at=at,
    )


def test_rules_are_the_defaults_until_set_and_then_replaced_whole(store):
    assert store.settings("acme").rules is None
    assert store.settings("acme").effective_rules() == list(DEFAULT_RULES)

    store.put_rules("acme", AlertRuleSet(rules=[RULE], webhook_url="https://hooks.example.com/a"))
    store.put_rules("acme", AlertRuleSet(rules=[RULE.model_copy(update={"threshold": 0.3})]))

    settings = store.settings("acme")
    assert [r.threshold for r in settings.rules] == [0.3] and settings.webhook_url is None
    assert store.settings("other").rules is None


def test_a_rule_has_one_open_alert_until_it_is_closed(store):
    first = alert()
    assert store.open("acme", first) is True
    assert store.open("acme", alert(at=T0 + timedelta(minutes=1))) is False
    assert store.settings("acme").open == {"failures": first.id}
    store.put_rules("acme", AlertRuleSet(rules=[RULE]))
    assert store.settings("acme").open == {"failures": first.id}  # a new rule set keeps it

    acked = store.update(
        "acme", first.id, [AlertStatus.FIRING], {"status": AlertStatus.ACKNOWLEDGED, "acknowledged_at": T0}
    )
    assert acked is not None and acked.status is AlertStatus.ACKNOWLEDGED and acked.acknowledged_at == T0
    assert store.update("acme", first.id, [AlertStatus.FIRING], {"status": AlertStatus.ACKNOWLEDGED}) is None

    closed = store.close("acme", acked, {"resolved_at": T0 + timedelta(minutes=5), "message": "ok again"})
    assert closed is not None and closed.status is AlertStatus.RESOLVED and closed.message == "ok again"
    assert store.settings("acme").open == {}
    assert store.close("acme", closed, {"resolved_at": T0}) is None
    second = alert(at=T0 + timedelta(minutes=6))
    assert store.open("acme", second) is True


def test_alerts_list_newest_first_by_status_and_read_many(store):
    a, b = alert("one", T0), alert("two", T0 + timedelta(seconds=1))
    store.open("acme", a)
    store.open("acme", b)
    store.close("acme", a, {"resolved_at": T0 + timedelta(minutes=1)})

    assert [x.id for x in store.list("acme", None, 10)] == [b.id, a.id]
    assert [x.id for x in store.list("acme", AlertStatus.RESOLVED, 10)] == [a.id]
    assert [x.id for x in store.list("acme", None, 1)] == [b.id]
    assert sorted(x.id for x in store.get_many("acme", [a.id, b.id, "01JQ8Z6Y3K4M5N6P7Q8R9S0T1V"])) == sorted(
        [a.id, b.id]
    )
    assert store.get("acme", b.id) == b and store.get("other", b.id) is None
