#!/usr/bin/env node
// The `kafka-consumer-groups` command (package bin).
import { runMain, toolMain } from '../main.js';
import { kafkaConsumerGroups } from '../tools/consumer-groups.js';

runMain(toolMain(kafkaConsumerGroups));
