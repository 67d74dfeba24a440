/** confluent-kafka-python (Debian python3-confluent-kafka, librdkafka) against a broker process started by the bin. */
import { definePythonSuite } from './python-suite.js';

await definePythonSuite({ script: 'confluent_kafka_ops.py', module: 'confluent_kafka', prefix: 'ck', librdkafka: true, label: 'confluent-kafka' });
