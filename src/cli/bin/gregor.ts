#!/usr/bin/env node
// The `gregor` command (package bin).
import { gregorMain, runMain } from '../main.js';

runMain(gregorMain);
