#!/usr/bin/env node
// The `kafka-broker-api-versions` command (package bin).
import { runMain, toolMain } from '../main.js';
import { kafkaBrokerApiVersions } from '../tools/broker-api-versions.js';

runMain(toolMain(kafkaBrokerApiVersions));
