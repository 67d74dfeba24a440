"""One kafka-python (python3-kafka) operation per run, for test/compat/kafka-python.test.ts.

usage: kafka_python_ops.py BOOTSTRAP OP  (JSON arguments on stdin, JSON result on stdout)
Bytes travel as base64 strings; None stays null. Errors are reported as
{"error": ClassName, "errno": code} so the test can assert on Kafka's error code.
"""
import base64
import json
import sys

import kafka
import kafka.errors as Errors
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic

TIMEOUT_MS = 20000


def b(s):
    return None if s is None else base64.b64decode(s)


def s(x):
    return None if x is None else base64.b64encode(x).decode('ascii')


def admin(bootstrap):
    return KafkaAdminClient(bootstrap_servers=bootstrap, client_id='compat-kafka-python',
                            request_timeout_ms=TIMEOUT_MS)


def create_topics(bootstrap, args):
    a = admin(bootstrap)
    out = {}
    try:
        for t in args['topics']:
            try:
                a.create_topics([NewTopic(t['name'], t['partitions'], 1, topic_configs=t.get('configs', {}))])
                out[t['name']] = 0
            except Errors.KafkaError as e:
                out[t['name']] = getattr(e, 'errno', -1)
    finally:
        a.close()
    return out


def delete_topics(bootstrap, args):
    a = admin(bootstrap)
    try:
        a.delete_topics(args['names'])
        return {'topics': sorted(a.list_topics())}
    finally:
        a.close()


def list_topics(bootstrap, args):
    a = admin(bootstrap)
    try:
        return {'topics': sorted(a.list_topics())}
    finally:
        a.close()


def describe_configs(bootstrap, args):
    a = admin(bootstrap)
    try:
        resp = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, args['topic'])])
        out = {}
        for r in resp:
            for res in r.resources:
                error_code, _msg, _rtype, _rname, entries = res[0], res[1], res[2], res[3], res[4]
                if error_code != 0:
                    return {'error': 'DescribeConfigs', 'errno': error_code}
                for e in entries:
                    out[e[0]] = {'value': e[1], 'readOnly': e[2], 'source': e[3] if r.API_VERSION > 0 else None}
        return {'configs': out, 'version': resp[0].API_VERSION}
    finally:
        a.close()


def produce(bootstrap, args):
    p = KafkaProducer(bootstrap_servers=bootstrap, client_id='compat-kafka-python', acks='all',
                      compression_type=args.get('compression'), linger_ms=args.get('lingerMs', 0),
                      max_request_size=4 * 1024 * 1024, request_timeout_ms=TIMEOUT_MS)
    try:
        futures = []
        for r in args['records']:
            headers = [(k, b(v)) for k, v in r.get('headers', [])]
            futures.append(p.send(args['topic'], key=b(r.get('key')), value=b(r.get('value')), headers=headers,
                                  partition=r.get('partition', 0), timestamp_ms=r.get('timestamp')))
        p.flush()
        return {'offsets': [f.get(timeout=TIMEOUT_MS / 1000).offset for f in futures]}
    finally:
        p.close()


def consumer(bootstrap):
    return KafkaConsumer(bootstrap_servers=bootstrap, client_id='compat-kafka-python', group_id=None,
                         enable_auto_commit=False, auto_offset_reset='earliest',
                         max_partition_fetch_bytes=4 * 1024 * 1024, fetch_max_bytes=8 * 1024 * 1024,
                         request_timeout_ms=TIMEOUT_MS + 5000, consumer_timeout_ms=TIMEOUT_MS)


def consume(bootstrap, args):
    c = consumer(bootstrap)
    try:
        tp = TopicPartition(args['topic'], args.get('partition', 0))
        c.assign([tp])
        if args.get('offset') is None:
            c.seek_to_beginning(tp)
        else:
            c.seek(tp, args['offset'])
        out = []
        for m in c:
            out.append({'offset': m.offset, 'key': s(m.key), 'value': s(m.value), 'timestamp': m.timestamp,
                        'headers': [[k, s(v)] for k, v in (m.headers or [])]})
            if len(out) >= args['count']:
                break
        return {'records': out}
    finally:
        c.close()


def offsets(bootstrap, args):
    c = consumer(bootstrap)
    try:
        tp = TopicPartition(args['topic'], args.get('partition', 0))
        out = {}
        for ts in args['timestamps']:
            r = c.offsets_for_times({tp: ts})[tp]
            out[str(ts)] = None if r is None else {'offset': r.offset, 'timestamp': r.timestamp}
        out['earliest'] = c.beginning_offsets([tp])[tp]
        out['latest'] = c.end_offsets([tp])[tp]
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
    except Errors.KafkaError as e:
        result = {'error': type(e).__name__, 'errno': getattr(e, 'errno', None), 'message': str(e)}
    result['clientVersion'] = kafka.__version__
    print(json.dumps(result))
