#!/usr/bin/env node
// The `kafka-storage` command (package bin).
import { kafkaStorageMain, runMain } from '../main.js';

runMain(kafkaStorageMain);
