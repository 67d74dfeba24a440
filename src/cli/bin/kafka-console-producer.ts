#!/usr/bin/env node
// The `kafka-console-producer` command (package bin).
import { runMain, toolMain } from '../main.js';
import { kafkaConsoleProducer } from '../tools/console-producer.js';

runMain(toolMain(kafkaConsoleProducer));
