#!/usr/bin/env node
// The `kafka-configs` command (package bin).
import { runMain, toolMain } from '../main.js';
import { kafkaConfigs } from '../tools/kafka-configs.js';

runMain(toolMain(kafkaConfigs));
