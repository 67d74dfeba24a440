#!/usr/bin/env node
// The `kafka-get-offsets` command (package bin).
import { runMain, toolMain } from '../main.js';
import { kafkaGetOffsets } from '../tools/get-offsets.js';

runMain(toolMain(kafkaGetOffsets));
