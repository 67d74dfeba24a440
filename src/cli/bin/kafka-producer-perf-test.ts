#!/usr/bin/env node
// The `kafka-producer-perf-test` command (package bin).
import { producerPerfMain } from '../perf-producer.js';
import { runMain } from '../main.js';

runMain((argv) => producerPerfMain(argv, { stdout: (s) => void process.stdout.write(s), stderr: (s) => void process.stderr.write(s) }));
