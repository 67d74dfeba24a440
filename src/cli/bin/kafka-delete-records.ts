#!/usr/bin/env node
// The `kafka-delete-records` command (package bin).
import { runMain, toolMain } from '../main.js';
import { kafkaDeleteRecords } from '../tools/delete-records.js';

runMain(toolMain(kafkaDeleteRecords));
