#!/usr/bin/env node
'use strict';
// Only this file ends the process (CONVENTIONS 1). CommonJS, so that start-up is
// a single file load (see scripts/build.mjs).
const fs = require('node:fs');

/**
 * stdout or stderr for the CLI. Node's process.stdout builds the stream and
 * socket machinery on first use (~5 ms, a tenth of a start), while most commands
 * write one result: writes go straight to the descriptor until something needs
 * the stream itself (events, a terminal's width, a descriptor that would block),
 * and from then on everything goes through the stream, in order.
 *
 * A failed write (a full disk, a reader gone away) never ends the process here:
 * on stdout it reaches the writer (an exception, or the callback's error, and
 * `writeError`), which knows what was already done and says so (main.ts); on
 * stderr it is dropped, since there is nowhere left to say anything.
 */
function output(fd, name) {
  let stream;
  let failure = null;
  const quiet = fd === 2;
  const real = () => {
    if (!stream) {
      stream = process[name];
      stream.on('error', (e) => {
        failure ??= e;
      });
    }
    return stream;
  };
  let plain = false; // a pipe, file or socket: never a terminal
  try {
    plain = !fs.fstatSync(fd).isCharacterDevice();
  } catch {
    // closed or odd: let Node decide
  }
  const write = (chunk, encoding, done) => {
    const cb = typeof encoding === 'function' ? encoding : done;
    if (stream) return stream.write(chunk, typeof encoding === 'function' ? undefined : encoding, cb);
    const buf =
      typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8') : chunk;
    let off = 0;
    try {
      while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      if (e.code === 'EAGAIN') return real().write(buf.subarray(off), cb); // a non-blocking pipe that is full
      failure ??= e;
      if (quiet) return true;
      throw e;
    }
    if (cb) process.nextTick(cb);
    return true;
  };
  return new Proxy(
    {},
    {
      get(_t, key) {
        if (key === 'write') return write;
        if (key === 'writeError') return failure;
        if (key === 'isTTY' && plain && !stream) return false;
        const s = real();
        const v = s[key];
        return typeof v === 'function' ? v.bind(s) : v;
      },
      set(_t, key, value) {
        real()[key] = value;
        return true;
      },
    },
  );
}

const stdout = output(1, 'stdout');
const stderr = output(2, 'stderr');
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // Scripts ask this often; it needs none of the rest.
  stdout.write(`${require('../package.json').version}\n`);
} else if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h') && !stdout.isTTY) {
  // The same text the CLI prints to a pipe, rendered at build time (scripts/build.mjs).
  stdout.write(fs.readFileSync(`${__dirname}/../dist/help.txt`, 'utf8'));
} else {
  run();
}

function run() {
  // What Ctrl-C says: a command that opens the store for writing sets it (src/store/with-store.ts).
  const interrupt = { note: 'nothing was changed' };
  const debug = argv.includes('--debug') || /(^|,)inv(,|$)/.test(process.env.DEBUG ?? '');
  let stopping = false;
  process.on('SIGINT', () => {
    if (interrupt.stop && !stopping) {
      stopping = true;
      interrupt.stop();
      return;
    }
    // Every write is a transaction: the one under way is rolled back by SQLite; what a
    // stream (inv apply) already reported as done stays done.
    stderr.write(`inv: interrupted; ${interrupt.note}\n`);
    process.exit(130);
  });
  process.on('SIGTERM', () => {
    // inv serve drains its requests and ends by itself; a second SIGTERM ends it at once.
    const drain = interrupt.onTerm;
    if (drain) {
      interrupt.onTerm = undefined;
      drain();
      return;
    }
    stderr.write(`inv: stopped (SIGTERM); ${interrupt.note}\n`);
    process.exit(143);
  });
  // A safety net, never the plan: every failure is meant to reach main()'s single catch.
  const crash = (e) => {
    stderr.write(`inv: internal error: ${e?.message ?? String(e)}\n`);
    stderr.write(debug ? `${e?.stack ?? ''}\n` : '  try: run again with --debug for details, and report it\n');
    process.exit(1);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);

  require('../dist/inv.cjs')
    .main({
      argv,
      env: process.env,
      // process.stdin builds a stream for fd 0 when first read (~5 ms): only the commands that read it pay.
      get stdin() {
        return process.stdin;
      },
      stdout,
      stderr,
      interrupt,
    })
    .then((code) => {
      process.exitCode = code;
    });
}
