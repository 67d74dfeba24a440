"""One confluent-kafka-python (python3-confluent-kafka, librdkafka) operation per run, for
test/compat/confluent-kafka.test.ts.

usage: confluent_kafka_ops.py BOOTSTRAP OP  (JSON arguments on stdin, JSON result on stdout)
Bytes travel as base64 strings; None stays null. Kafka errors come back as
{"error": name, "errno": code}.
"""
import base64
import json
import sys
import time

import confluent_kafka
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

TIMEOUT_S = 20.0


def b(s):
    return None if s is None else base64.b64decode(s)


def s(x):
    return None if x is None else base64.b64encode(x).decode('ascii')


def err(e):
    return {'error': e.name(), 'errno': e.code(), 'message': e.str()}


def admin(bootstrap):
    return AdminClient({'bootstrap.servers': bootstrap, 'client.id': 'compat-confluent-kafka'})


def create_topics(bootstrap, args):
    a = admin(bootstrap)
    futures = a.create_topics([NewTopic(t['name'], num_partitions=t['partitions'], replication_factor=1,
                                        config=t.get('configs', {})) for t in args['topics']],
                              request_timeout=TIMEOUT_S)
    out = {}
    for name, f in futures.items():
        try:
            f.result(TIMEOUT_S)
            out[name] = 0
        except KafkaException as e:
            out[name] = e.args[0].code()
    return out


def list_topics(bootstrap, args):
    md = admin(bootstrap).list_topics(timeout=TIMEOUT_S)
    return {'topics': sorted(md.topics.keys()),
            'partitions': {t: len(m.partitions) for t, m in md.topics.items()}}


def delete_topics(bootstrap, args):
    a = admin(bootstrap)
    for name, f in a.delete_topics(args['names'], request_timeout=TIMEOUT_S).items():
        f.result(TIMEOUT_S)
    return list_topics(bootstrap, args)


def describe_configs(bootstrap, args):
    a = admin(bootstrap)
    res = ConfigResource('topic', args['topic'])
    out = {}
    for r, f in a.describe_configs([res], request_timeout=TIMEOUT_S).items():
        for name, e in f.result(TIMEOUT_S).items():
            out[name] = {'value': e.value, 'readOnly': e.is_read_only, 'isDefault': e.is_default,
                         'source': int(e.source)}
    return {'configs': out}


def produce(bootstrap, args):
    conf = {'bootstrap.servers': bootstrap, 'client.id': 'compat-confluent-kafka', 'acks': 'all',
            'message.max.bytes': 4 * 1024 * 1024, 'linger.ms': args.get('lingerMs', 0)}
    if args.get('compression'):
        conf['compression.type'] = args['compression']
    p = Producer(conf)
    results = [None] * len(args['records'])
    errors = []

    def on_delivery(i):
        def cb(e, msg):
            if e is not None:
                errors.append(err(e))
            else:
                results[i] = msg.offset()
        return cb

    for i, r in enumerate(args['records']):
        kw = {'key': b(r.get('key')), 'value': b(r.get('value')), 'partition': r.get('partition', 0),
              'on_delivery': on_delivery(i)}
        if r.get('headers'):
            kw['headers'] = [(k, b(v)) for k, v in r['headers']]
        if r.get('timestamp') is not None:
            kw['timestamp'] = r['timestamp']
        p.produce(args['topic'], **kw)
        p.poll(0)
    left = p.flush(TIMEOUT_S)
    if errors:
        return errors[0]
    if left:
        return {'error': 'FlushTimeout', 'errno': None, 'message': '%d messages undelivered' % left}
    return {'offsets': results}


def consumer(bootstrap):
    # group.id is mandatory for the Consumer class; assign() below uses no group coordination.
    return Consumer({'bootstrap.servers': bootstrap, 'client.id': 'compat-confluent-kafka',
                     'group.id': 'compat-confluent-unused', 'enable.auto.commit': False,
                     'enable.auto.offset.store': False, 'auto.offset.reset': 'earliest',
                     'fetch.message.max.bytes': 4 * 1024 * 1024, 'api.version.request': True})


def consume(bootstrap, args):
    c = consumer(bootstrap)
    try:
        offset = args.get('offset')
        start = confluent_kafka.OFFSET_BEGINNING if offset is None else offset
        c.assign([TopicPartition(args['topic'], args.get('partition', 0), start)])
        out = []
        deadline = time.monotonic() + TIMEOUT_S
        while len(out) < args['count'] and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error() is not None:
                if m.error().code() == KafkaError._PARTITION_EOF:
                    continue
                return err(m.error())
            out.append({'offset': m.offset(), 'key': s(m.key()), 'value': s(m.value()),
                        'timestamp': m.timestamp()[1],
                        'headers': [[k, s(v)] for k, v in (m.headers() or [])]})
        return {'records': out}
    finally:
        c.close()


def offsets(bootstrap, args):
    c = consumer(bootstrap)
    try:
        part = args.get('partition', 0)
        out = {}
        for ts in args['timestamps']:
            [r] = c.offsets_for_times([TopicPartition(args['topic'], part, ts)], timeout=TIMEOUT_S)
            if r.error is not None:
                return err(r.error)
            out[str(ts)] = {'offset': r.offset}
        lo, hi = c.get_watermark_offsets(TopicPartition(args['topic'], part), timeout=TIMEOUT_S)
        out['earliest'], out['latest'] = lo, hi
        return out
    finally:
        c.close()


OPS = {'create_topics': create_topics, 'delete_topics': delete_topics, 'list_topics': list_topics,
       'describe_configs': describe_configs, 'produce': produce, 'consume': consume, 'offsets': offsets}

if __name__ == '__main__':
    bootstrap, op = sys.argv[1], sys.argv[2]
    args = json.loads(sys.stdin.read() or '{}')
    try:
        result = OPS[op](bootstrap, args)
    except KafkaException as e:
        result = err(e.args[0])
    result['clientVersion'] = confluent_kafka.version()[0]
    result['librdkafka'] = confluent_kafka.libversion()[0]
    print(json.dumps(result))
