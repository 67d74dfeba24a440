"""Scripted transactional producers on confluent-kafka (librdkafka) for the transaction tests:

    /usr/bin/python3 eos-txn.py <bootstrap> <topic> <transactional.id> <transaction.timeout.ms> <op>...

Producers are named by a letter and all use <transactional.id> (so B's init fences A). Ops, run in
order: X.init, X.begin, X.send:<partition>:<value>, X.flush, X.commit, X.abort, pause (emit, then
wait to be killed). Each op prints one JSON line: {"op": op, "ok": true} or {"op": op, "error":
<librdkafka error name>, "code": n, "fatal": bool, "abortable": bool, "retriable": bool, "str": ...};
an error stops the script (exit 3) unless the op ends in "?" (may fail: the test judges; the
event's "op" keeps the "?"). Then {"done": true}.
"""
import json
import sys
import time

from confluent_kafka import KafkaException, Producer

bootstrap, topic, txn_id, timeout_ms = sys.argv[1:5]
ops = sys.argv[5:]
producers = {}


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def producer(name):
    if name not in producers:
        producers[name] = Producer({
            "bootstrap.servers": bootstrap,
            "transactional.id": txn_id,
            "transaction.timeout.ms": int(timeout_ms),
            "client.id": f"eos-txn-{name}",
            "linger.ms": 0,
        })
    return producers[name]


for op in ops:
    if op == "pause":
        emit({"op": op, "ok": True})
        while True:
            time.sleep(1)
    may_fail = op.endswith("?")
    name, _, action = op.rstrip("?").partition(".")
    p = producer(name)
    try:
        if action == "init":
            p.init_transactions(15)
        elif action == "begin":
            p.begin_transaction()
        elif action.startswith("send:"):
            _, partition, value = action.split(":", 2)
            failures = []
            p.produce(topic, value=value.encode(), partition=int(partition),
                      on_delivery=lambda err, msg: failures.append(err) if err is not None else None)
            p.flush(15)
            if failures:
                raise KafkaException(failures[0])
        elif action == "flush":
            p.flush(15)
        elif action == "commit":
            p.commit_transaction(15)
        elif action == "abort":
            p.abort_transaction(15)
        else:
            raise ValueError(f"unknown op {op}")
        emit({"op": op, "ok": True})
    except KafkaException as e:
        err = e.args[0]
        emit({"op": op, "error": err.name(), "code": err.code(), "fatal": err.fatal(),
              "abortable": err.txn_requires_abort(), "retriable": err.retriable(), "str": err.str()})
        if not may_fail:
            sys.exit(3)
emit({"done": True})
