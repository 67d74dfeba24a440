#!/usr/bin/env node
// The `kafka-console-consumer` command (package bin).
import { runMain, toolMain } from '../main.js';
import { kafkaConsoleConsumer } from '../tools/console-consumer.js';

runMain(toolMain(kafkaConsoleConsumer));
