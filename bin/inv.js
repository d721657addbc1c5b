#!/usr/bin/env node
// Only this file ends the process (CONVENTIONS 1).
import { main } from '../dist/main.js';

process.on('SIGINT', () => {
  // Writes are single transactions: an interrupted one is rolled back by SQLite.
  process.stderr.write('inv: interrupted; the store is as it was before this command\n');
  process.exit(130);
});

const code = await main({ argv: process.argv.slice(2), env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
process.exitCode = code;
