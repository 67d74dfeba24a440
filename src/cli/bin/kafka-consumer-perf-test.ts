#!/usr/bin/env node
// The `kafka-consumer-perf-test` command (package bin).
import { consumerPerfMain } from '../perf-consumer.js';
import { runMain } from '../main.js';

runMain((argv) => consumerPerfMain(argv, { stdout: (s) => void process.stdout.write(s), stderr: (s) => void process.stderr.write(s) }));
