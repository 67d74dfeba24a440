#!/usr/bin/env node
// The `kafka-server-start` command (package bin).
import { kafkaServerStartMain, runMain } from '../main.js';

runMain(kafkaServerStartMain);
