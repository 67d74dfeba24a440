#!/usr/bin/env node
// The `kafka-metadata-quorum` command (package bin).
import { runMain, toolMain } from '../main.js';
import { kafkaMetadataQuorum } from '../tools/metadata-quorum.js';

runMain(toolMain(kafkaMetadataQuorum));
