#!/usr/bin/env node
import { main } from '../dist/hosts/node/cli.js';

process.exitCode = main(process.argv.slice(2));
