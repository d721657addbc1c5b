#!/usr/bin/env node
'use strict';
// Only this file ends the process (CONVENTIONS 1). CommonJS, so that start-up is
// a single file load (see scripts/build.mjs).
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // Scripts ask this often; it needs none of the rest.
  process.stdout.write(`${require('../package.json').version}\n`);
  return;
}
if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h') && !process.stdout.isTTY) {
  // The same text the CLI prints to a pipe, rendered at build time (scripts/build.mjs).
  process.stdout.write(require('node:fs').readFileSync(`${__dirname}/../dist/help.txt`, 'utf8'));
  return;
}

process.on('SIGINT', () => {
  // Every write is a transaction: the one under way is rolled back by SQLite; what a
  // stream (inv apply) already reported as done stays done.
  process.stderr.write('inv: interrupted; the change under way was rolled back\n');
  process.exit(130);
});
// The reader went away (`inv export | head`): stop quietly, as other tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

require('../dist/inv.cjs')
  .main({ argv, env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr })
  .then((code) => {
    process.exitCode = code;
  });
