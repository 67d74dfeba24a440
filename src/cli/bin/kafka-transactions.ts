#!/usr/bin/env node
// The `kafka-transactions` command (package bin).
import { runMain, toolMain } from '../main.js';
import { kafkaTransactions } from '../tools/kafka-transactions.js';

runMain(toolMain(kafkaTransactions));
