#!/usr/bin/env node
// The `kafka-topics` command (package bin).
import { runMain, toolMain } from '../main.js';
import { kafkaTopics } from '../tools/kafka-topics.js';

runMain(toolMain(kafkaTopics));
