/** kafka-python (Debian python3-kafka) against a broker process started by the bin. */
import { definePythonSuite } from './python-suite.js';

await definePythonSuite({ script: 'kafka_python_ops.py', module: 'kafka', prefix: 'kp', librdkafka: false, label: 'kafka-python' });
