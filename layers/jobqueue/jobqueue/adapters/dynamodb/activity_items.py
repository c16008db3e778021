"""Tallies as the flat numeric attributes of an aggregate item, so that one `UpdateItem` can
`ADD` a whole batch's worth to an item that may not exist yet (ADD cannot reach into a map
that is not there).

    <group>/n/<count>     submitted, started, completed, failed, timed_out, cancelled, retried
    <group>/e/<type>      failed attempts by error type
    <group>/x/<bucket>    execution-ms histogram bucket; <group>/xn, <group>/xs: count and sum
    <group>/w/<bucket>    queue-wait-ms histogram bucket; <group>/wn, <group>/ws

`<group>` is the job type in hour and handler-hour items, `all` in minute items, and
`h:<handler>` for the handler counts of an hour item (counts and error types only).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from jobqueue.activity.histogram import Histogram
from jobqueue.activity.tally import HourTally, Tally

TOTAL_GROUP = "all"
HANDLER_GROUP = "h:"


def flatten(group: str, tally: Tally) -> dict[str, int]:
    out: dict[str, int] = {}
    for name, n in tally.counts.items():
        if n:
            out[f"{group}/n/{name}"] = n
    for error, n in tally.errors.items():
        if n:
            out[f"{group}/e/{error}"] = n
    for letter, histogram in (("x", tally.execution), ("w", tally.queue_wait)):
        if histogram.count:
            out[f"{group}/{letter}n"] = histogram.count
            out[f"{group}/{letter}s"] = histogram.total
            for index, n in histogram.buckets.items():
                out[f"{group}/{letter}/{index}"] = n
    return out


def flatten_hour(hour: HourTally) -> dict[str, int]:
    numbers: dict[str, int] = {}
    for job_type, tally in hour.by_type.items():
        numbers.update(flatten(job_type, tally))
    for handler, tally in hour.by_handler.items():
        numbers.update(flatten(HANDLER_GROUP + handler, tally.counts_only()))
    return numbers


def unflatten_hour(item: Mapping[str, Any]) -> HourTally:
    hour = HourTally()
    for group, tally in unflatten(item).items():
        if group.startswith(HANDLER_GROUP):
            hour.by_handler[group[len(HANDLER_GROUP) :]] = tally
        else:
            hour.by_type[group] = tally
    return hour


def unflatten(item: Mapping[str, Any]) -> dict[str, Tally]:
    """The tallies of an aggregate item by group (other attributes are ignored)."""
    parts: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"n": {}, "e": {}, "x": {}, "w": {}, "xn": 0, "xs": 0, "wn": 0, "ws": 0}
    )
    for name, value in item.items():
        pieces = name.split("/", 2)
        if len(pieces) < 2 or name in ("PK", "SK"):
            continue
        group, kind = pieces[0], pieces[1]
        if kind in ("xn", "xs", "wn", "ws") and len(pieces) == 2:
            parts[group][kind] = int(value)
        elif kind in ("n", "e") and len(pieces) == 3:
            parts[group][kind][pieces[2]] = int(value)
        elif kind in ("x", "w") and len(pieces) == 3:
            parts[group][kind][int(pieces[2])] = int(value)
    tallies = {}
    for group, p in parts.items():
        tally = Tally()
        tally.counts.update(p["n"])
        tally.errors.update(p["e"])
        tally.execution = Histogram.from_parts(p["xn"], p["xs"], p["x"])
        tally.queue_wait = Histogram.from_parts(p["wn"], p["ws"], p["w"])
        tallies[group] = tally
    return tallies


def add_expression(numbers: Mapping[str, int], sets: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """UpdateItem arguments that ADD each number to its attribute and SET the `sets` (once:
    `if_not_exists`), with placeholders for every name (they hold `/` and user text)."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    adds = []
    for i, (name, n) in enumerate(numbers.items()):
        names[f"#a{i}"] = name
        values[f":a{i}"] = n
        adds.append(f"#a{i} :a{i}")
    expression = "ADD " + ", ".join(adds) if adds else ""
    settings = []
    for j, (name, value) in enumerate((sets or {}).items()):
        names[f"#s{j}"] = name
        values[f":s{j}"] = value
        settings.append(f"#s{j} = if_not_exists(#s{j}, :s{j})")
    if settings:
        expression += (" " if expression else "") + "SET " + ", ".join(settings)
    return {
        "UpdateExpression": expression,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
