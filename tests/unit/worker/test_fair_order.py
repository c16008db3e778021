import json

from jobqueue.worker.process import fair_order, repeated_deliveries


def record(tenant: str, n: int, group: bool = True) -> dict:
    attributes = {"MessageGroupId": tenant} if group else {}
    body = json.dumps({"job_id": f"{tenant}{n}", "tenant_id": tenant, "attempt": 0})
    return {"messageId": f"{tenant}{n}", "attributes": attributes, "body": body}


def ids(records):
    return [r["messageId"] for r in records]


def test_tenants_take_turns_in_arrival_order():
    records = [record("a", 1), record("a", 2), record("a", 3), record("b", 1), record("c", 1, group=False)]
    assert ids(fair_order(records)) == ["a1", "b1", "c1", "a2", "a3"]


def test_one_tenant_keeps_its_order_and_an_odd_body_does_not_break_it():
    odd = {"messageId": "x", "attributes": {}, "body": "not json"}
    assert ids(fair_order([record("a", 1), record("a", 2)])) == ["a1", "a2"]
    assert ids(fair_order([odd, record("a", 1), record("a", 2)])) == ["x", "a1", "a2"]


def test_a_record_naming_the_same_job_and_attempt_as_an_earlier_one_is_a_repeat():
    def delivery(message_id, job_id, attempt, **more):
        body = {"job_id": job_id, "tenant_id": "acme", "attempt": attempt, **more}
        return {"messageId": message_id, "body": json.dumps(body)}

    records = [
        delivery("m1", "J1", 0),
        delivery("m2", "J1", 0, deferrals=2),  # a re-sent copy of the same attempt
        delivery("m3", "J1", 1),  # the next attempt is another delivery
        delivery("m4", "J2", 0),
        {"messageId": "m5", "body": "not json"},
    ]

    assert repeated_deliveries(records) == {"m2"}
