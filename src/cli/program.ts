/**
 * Commander wiring only (CONVENTIONS 2): flags → typed options → a lazy import of
 * the one command that runs. Nothing here decides anything about stock.
 */
import { Command, Option } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { UsageError, outputLost } from '../core/errors.js';
import { parseInteger } from '../core/values.js';
import type { Output } from '../commands/output.js';
import { writeOut } from '../commands/stream.js';
import { type Context, type Globals, type Io, makeContext } from '../commands/context.js';

function recommendArgs(o: Record<string, unknown>) {
  return {
    providers: (o.provider as string[] | undefined) ?? [],
    traffic: o.traffic as string | undefined,
    stockDepth: o.stockDepth as string | undefined,
    fromStore: Boolean(o.fromStore),
    restockDays: o.restockDays as string | undefined,
    peakFrom: o.peakFrom as string | undefined,
    peakUntil: o.peakUntil as string | undefined,
    margin: o.margin as string | undefined,
    oversellCost: o.oversellCost as string | undefined,
    lostSaleShare: o.lostSaleShare as string | undefined,
    fromHistory: Boolean(o.fromHistory),
    since: o.since as string | undefined,
  };
}

type Handler = (ctx: Context, args: string[], opts: Record<string, unknown>) => Promise<Output>;

export function buildProgram(io: Io, state: { exitCode: number }, everything = false): Command {
  /** Wraps a lazily imported command: builds the context, runs it, prints its result. */
  const run =
    (handler: Handler) =>
    async (...all: unknown[]) => {
      const cmd = all[all.length - 1] as Command;
      const args = all.slice(0, -2).flat() as string[];
      const ctx = makeContext(io, cmd.optsWithGlobals() as Globals);
      const out = await handler(ctx, args, cmd.opts());
      if (!out.streamed) {
        const text = ctx.json ? `${JSON.stringify(out.json, null, 2)}\n` : out.human(ctx.style);
        try {
          if (text) await writeOut(io.stdout, text.endsWith('\n') ? text : `${text}\n`);
        } catch (e) {
          throw outputLost(e, out.done);
        }
      }
      state.exitCode = out.exitCode ?? 0;
    };

  // Only the command being run is defined (plus the global options): building all
  // thirty commands costs more at every start than the command itself. `inv`,
  // `inv --help`, `inv help` and an unknown name get them all.
  const wanted = everything ? undefined : commandIn(io.argv);
  let defined = false;
  const add = (name: string): Command => {
    if (wanted !== undefined && wanted !== name) return SINK;
    defined = true;
    return program.command(name);
  };

  const program = new Command('inv')
    .description('Stock and the inventory update policy (on-order / on-payment) of an online shop.')
    .version(pkg.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .option(
      '--db <path|url>',
      'the store: a SQLite file or a postgres:// URL (env INV_DB; default $XDG_DATA_HOME/inv/inventory.db)',
    )
    .option('--now <time>', 'act at this ISO-8601 time, for replays and scripts (env INV_NOW)')
    .option('--json', 'print exactly one JSON document on stdout')
    .option('--no-color', 'no colour (also NO_COLOR=1)')
    .option('-q, --quiet', 'no messages on stderr, only results and errors')
    .option('--debug', 'print stack traces of internal errors (also DEBUG=inv)')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // The width of the terminal written to, from io rather than process (build.mjs renders the help for a pipe).
      getOutHelpWidth: () => (io.stdout.isTTY ? ((io.stdout as { columns?: number }).columns ?? 80) : 80),
      getErrHelpWidth: () => (io.stderr.isTTY ? ((io.stderr as { columns?: number }).columns ?? 80) : 80),
      outputError: () => {}, // main() prints the one-line error itself
    });

  add('demo')
    .description('a guided tour on a temporary store (or --db): a sample shop under both modes')
    .action(run(async (ctx) => (await import('../commands/demo.js')).demo(ctx)));

  add('init')
    .description('create the store (idempotent)')
    .option('--sample', 'load a small demo shop')
    .action(run(async (ctx, _a, o) => (await import('../commands/init.js')).init({ sample: Boolean(o.sample) }, ctx)));

  add('mode')
    .description('the base mode, the mode in effect now and why, provider overrides, schedule')
    .action(run(async (ctx) => (await import('../commands/mode.js')).showMode(ctx)));

  add('set-mode')
    .description('set the base mode; with --provider an override; with --until a temporary window')
    .argument('<mode>', 'on-order, on-payment, or default (with --provider: remove the override)')
    .option('--provider <name>', 'set (or with "default", remove) the override for one payment provider')
    .option('--from <time>', 'start of a temporary window (default: now); needs --until')
    .option('--until <time>', 'end of a temporary window, after which the base mode applies again')
    .option('--reason <text>', 'why, kept with the window')
    .action(
      run(async (ctx, [mode], o) =>
        (await import('../commands/mode.js')).setMode(
          {
            mode,
            provider: o.provider as string | undefined,
            from: o.from as string | undefined,
            until: o.until as string | undefined,
            reason: o.reason as string | undefined,
          },
          ctx,
        ),
      ),
    );

  const schedule = add('schedule')
    .description('list the scheduled mode windows that have not ended')
    .action(run(async (ctx) => (await import('../commands/mode.js')).listSchedule(ctx)));
  schedule
    .command('cancel')
    .description('cancel a scheduled window')
    .argument('<id>', 'the window id (see inv schedule)')
    .action(
      run(async (ctx, [id]) =>
        (await import('../commands/mode.js')).cancelSchedule({ id: parseInteger('window id', id, { min: 1 }) }, ctx),
      ),
    );

  const stock = add('stock')
    .description('list stock: onHand, reserved, available, low and oversold flags')
    .argument('[sku...]', 'only these SKUs')
    .option('--low', 'only SKUs at or below their low-stock threshold')
    .action(
      run(async (ctx, skus, o) => (await import('../commands/stock.js')).listStock({ skus, low: Boolean(o.low) }, ctx)),
    );
  stock
    .command('show')
    .description('one SKU, and which unpaid orders hold its units')
    .argument('<sku>')
    .action(run(async (ctx, [sku]) => (await import('../commands/stock.js')).showStock({ sku }, ctx)));
  const adjustOptions = (c: Command) =>
    c
      .option('--name <name>', 'the item name')
      .option('--reason <text>', 'why, recorded in the ledger')
      .option('--low-stock <n>', 'flag the SKU as low at or below this many available (none: remove)');
  adjustOptions(
    stock
      .command('set')
      .description('set the units on hand (creates the SKU)')
      .argument('<sku>')
      .argument('<qty>', 'units on hand, 0 or more'),
  ).action(
    run(async (ctx, [sku, qty], o) =>
      (await import('../commands/stock.js')).adjust(
        {
          sku,
          set: qty,
          name: o.name as string | undefined,
          reason: o.reason as string | undefined,
          lowStock: o.lowStock as string | undefined,
        },
        ctx,
      ),
    ),
  );
  adjustOptions(
    stock
      .command('add')
      .description('add units on hand (negative for shrinkage or corrections)')
      .argument('<sku>')
      .argument('<delta>', 'units to add, negative to remove'),
  ).action(
    run(async (ctx, [sku, delta], o) =>
      (await import('../commands/stock.js')).adjust(
        {
          sku,
          add: delta,
          name: o.name as string | undefined,
          reason: o.reason as string | undefined,
          lowStock: o.lowStock as string | undefined,
        },
        ctx,
      ),
    ),
  );

  add('history')
    .description('the movements of one SKU, oldest first, with running onHand and reserved')
    .argument('<sku>')
    .action(run(async (ctx, [sku]) => (await import('../commands/stock.js')).history({ sku }, ctx)));

  add('verify')
    .description('check that stock equals the ledger, reserved is never negative, and SQLite is intact (exit 5 if not)')
    .action(run(async (ctx) => (await import('../commands/stock.js')).verify(ctx)));

  /** `inv order` alone: say which subcommands there are, as a usage error. */
  const needsSubcommand = (c: Command) =>
    c.action(() => {
      throw new UsageError(`inv ${c.name()} needs a subcommand: ${c.commands.map((x) => x.name()).join(', ')}`, {
        hint: `inv ${c.name()} --help`,
      });
    });
  const order = needsSubcommand(add('order').description('orders: place, pay, fail, cancel, list, show'));
  order
    .command('place')
    .description('a checkout reaches the payment page')
    .addOption(new Option('--item <sku:qty...>', 'an order line; repeat for more lines').makeOptionMandatory())
    .addOption(new Option('--provider <name>', 'the payment provider').makeOptionMandatory())
    .option('--id <id>', 'the order id (default: generated)')
    .action(
      run(async (ctx, _a, o) =>
        (await import('../commands/order.js')).place(
          {
            items: o.item as string[],
            provider: o.provider as string,
            id: o.id as string | undefined,
          },
          ctx,
        ),
      ),
    );
  for (const [name, text] of [
    ['pay', 'a payment notification: the money arrived'],
    ['fail', 'a payment failed notification'],
  ] as const) {
    order
      .command(name)
      .description(text)
      .argument('<id>', 'the order id')
      .option('--event <id>', 'the notification id: the same id again is a no-op (duplicate: true)')
      .action(
        run(async (ctx, [id], o) =>
          (await import('../commands/order.js')).notify(
            { id, transition: name, event: o.event as string | undefined },
            ctx,
          ),
        ),
      );
  }
  order
    .command('cancel')
    .description('the operator cancels an unpaid order; its units go back')
    .argument('<id>', 'the order id')
    .action(run(async (ctx, [id]) => (await import('../commands/order.js')).notify({ id, transition: 'cancel' }, ctx)));
  order
    .command('list')
    .description('orders, oldest first')
    .option('--status <status>', 'only pending, paid, failed, cancelled or expired')
    .action(
      run(async (ctx, _a, o) =>
        (await import('../commands/order.js')).list({ status: o.status as string | undefined }, ctx),
      ),
    );
  order
    .command('show')
    .description('one order')
    .argument('<id>')
    .action(run(async (ctx, [id]) => (await import('../commands/order.js')).show({ id }, ctx)));

  add('import')
    .description('import stock from a file or stdin: inv CSV/JSON/NDJSON, Shopify, Wix, WooCommerce or Magento exports')
    .argument('<file>', 'a file, or - for stdin')
    .option(
      '--format <format>',
      'auto (by extension and header), csv, json, ndjson, shopify, wix, woocommerce or magento',
    )
    .option('--add', 'add the quantities to onHand (a delivery) instead of setting onHand to them')
    .option('--dry-run', 'show what would change, write nothing')
    .option(
      '--location <name>',
      'keep only this location (Shopify Location, Magento source_code) instead of summing them',
    )
    .option('--duplicates <how>', 'a SKU on two products or twice in the file: sum or last (default: refuse)')
    .option('--strict', 'refuse rows that would be skipped (no SKU, stock not tracked)')
    .option('--max-line-size <size>', 'refuse lines (or fields) longer than this, e.g. 4M (default 1M)')
    .action(
      run(async (ctx, [file], o) =>
        (await import('../commands/import.js')).importStock(
          {
            file,
            format: o.format as string | undefined,
            add: Boolean(o.add),
            dryRun: Boolean(o.dryRun),
            location: o.location as string | undefined,
            duplicates: o.duplicates as string | undefined,
            strict: Boolean(o.strict),
            maxLineSize: o.maxLineSize as string | undefined,
          },
          ctx,
        ),
      ),
    );
  add('export')
    .description('export stock (sku, name, quantity, lowStock) in a form inv import reads back unchanged')
    .option('--format <format>', 'csv (default), json or ndjson')
    .option('-o, --out <file>', 'write to this file instead of stdout')
    .option('--force', 'overwrite the -o file if it exists')
    .action(
      run(async (ctx, _a, o) =>
        (await import('../commands/export.js')).exportStock(
          {
            format: o.format as string | undefined,
            out: o.out as string | undefined,
            force: Boolean(o.force),
          },
          ctx,
        ),
      ),
    );

  add('expire')
    .description("release the holds of unpaid orders past their provider's window, and list them")
    .action(run(async (ctx) => (await import('../commands/order.js')).expire(ctx)));

  add('apply')
    .description('apply a stream of NDJSON events in one process, one result line per event')
    .argument('<file>', 'a file, or - for stdin')
    .option('--stop-on-error', 'stop at the first event that fails')
    .option(
      '--from <platform>',
      "a platform's notifications instead of inv's events: stripe, shopify or woocommerce (NDJSON or a JSON list)",
    )
    .option('--accept-test-events', 'apply test data too (Stripe livemode false, Shopify test true)')
    .option('--restock-refunds', "put a refunded order's units back in stock (otherwise refunds are ignored)")
    .action(
      run(async (ctx, [file], o) =>
        (await import('../commands/apply.js')).apply(
          {
            file,
            stopOnError: Boolean(o.stopOnError),
            from: o.from as string | undefined,
            acceptTestEvents: Boolean(o.acceptTestEvents),
            restockRefunds: Boolean(o.restockRefunds),
          },
          ctx,
        ),
      ),
    );

  add('serve')
    .description('receive Stripe, Shopify and WooCommerce webhooks, signatures checked, applied exactly once')
    .option('--host <host>', 'the address to listen on (default 127.0.0.1: this machine only)')
    .option('--port <port>', 'the port (default 8787; 0: any free port, printed at start)')
    .option('--log-json', 'one JSON log line per request on stderr instead of text')
    .option('--accept-test-events', 'apply test data too (Stripe livemode false, Shopify test true)')
    .option('--restock-refunds', "put a refunded order's units back in stock (otherwise refunds are ignored)")
    .option('--max-body <size>', 'refuse bodies over this size with 413 (default 1M)')
    .option('--max-open <n>', 'answer 503 beyond this many open requests (default 64)')
    .option('--timeout <seconds>', 'drop a request not received whole within this time (default 10)')
    .action(
      run(async (ctx, _a, o) =>
        (await import('../commands/serve.js')).serve(
          {
            host: o.host as string | undefined,
            port: o.port as string | undefined,
            logJson: Boolean(o.logJson),
            acceptTestEvents: Boolean(o.acceptTestEvents),
            restockRefunds: Boolean(o.restockRefunds),
            maxBody: o.maxBody as string | undefined,
            maxOpen: o.maxOpen as string | undefined,
            timeout: o.timeout as string | undefined,
          },
          ctx,
        ),
      ),
    );

  add('simulate')
    .description('Monte Carlo simulation of a sales period under both modes, on the same customers')
    .option('--hours <h>', 'length of the sales period in hours (default 24)')
    .option('--checkouts-per-hour <n>', 'average checkouts per hour, before the traffic multiplier (default 10)')
    .option('--traffic <profile>', 'normal, busy, peak or flash (default: a constant rate)')
    .option(
      '--provider <name[:share],...>',
      'payment providers and shares; repeatable (default card:0.8,paypal:0.2)',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option('--skus <n>', 'a synthetic catalogue of N SKUs (default 20)')
    .option('--stock <n>', 'units of each synthetic SKU (default 10)')
    .option('--from-store', 'take the SKUs and their available stock from the store (read only)')
    .option('--trials <n>', 'simulated sales (default 200, at most 100,000)')
    .option('--seed <n>', 'random seed 0–4294967295 for a repeatable run (default: chosen and printed)')
    .option('--scenario <file>', 'a JSON file stating the whole model (- for stdin); flags override it')
    .option(
      '--policy <spec...>',
      'compare policies of your own (repeat): BASE[,PROVIDER=MODE][,PROVIDER.window=HOURS][,schedule=MODE@FROM-UNTIL], e.g. on-payment,boleto=on-order,boleto.window=48',
    )
    .action(
      run(async (ctx, _a, o) =>
        (await import('../commands/simulate.js')).simulateCommand(o as Record<string, never>, ctx),
      ),
    );

  add('backup')
    .description('copy the whole store to a file, while other inv processes may write')
    .argument('<file>', 'the backup file')
    .option('--force', 'overwrite the file if it exists')
    .action(
      run(async (ctx, [file], o) =>
        (await import('../commands/backup.js')).backup({ file, force: Boolean(o.force) }, ctx),
      ),
    );
  add('copy-store')
    .description(
      'copy the whole store into an empty store (a file or a postgres:// URL), in one transaction, and prove it',
    )
    .requiredOption('--to <url|file>', 'the target: a new SQLite file or an empty PostgreSQL database')
    .action(
      run(async (ctx, _a, o) => (await import('../commands/copy-store.js')).copyStore({ to: String(o.to) }, ctx)),
    );
  add('restore')
    .description('replace the store with a backup (checked first; asks, or needs --yes)')
    .argument('<file>', 'a file written by inv backup')
    .option('-y, --yes', 'do not ask')
    .action(
      run(async (ctx, [file], o) =>
        (await import('../commands/backup.js')).restore({ file, yes: Boolean(o.yes) }, ctx),
      ),
    );

  const recommendOptions = (c: Command) =>
    c
      .option('--provider <names...>', 'the payment providers the shop uses (repeat, or comma-separated)')
      .option('--traffic <level>', 'expected traffic: normal, busy or peak')
      .option('--stock-depth <units>', 'typical available units per SKU')
      .option('--from-store', 'read the stock depth from the store')
      .option('--restock-days <days>', 'how long restocking takes')
      .option('--peak-from <time>', 'when the peak starts')
      .option('--peak-until <time>', 'when the peak ends (the switch back)')
      .option('--margin <amount>', 'profit on one unit sold (default 10 [A]; only the ratio of the costs matters)')
      .option(
        '--oversell-cost <amount>',
        'what one oversold order costs: refund, support, goodwill (default: margin × (1.5 + 0.25 × restock days) [A])',
      )
      .option('--lost-sale-share <share>', 'share of turned-away buyers who do not come back, 0 to 1 (default 0.5 [A])')
      .option(
        '--from-history',
        "learn checkouts per hour, provider shares, unpaid shares and payment delays from the store's orders",
      )
      .option('--since <duration>', 'with --from-history: how far back to read, e.g. 30d (default 90d)');
  recommendOptions(add('recommend').description('recommend a mode, with reasons and simulated risk')).action(
    run(async (ctx, _a, o) => (await import('../commands/recommend.js')).recommend(recommendArgs(o), ctx)),
  );

  recommendOptions(
    add('advise').description('an interactive advisor before a sales peak: asks, recommends, offers to apply'),
  )
    .option('-y, --yes', 'apply the recommendation without asking')
    .option('--alternative', 'with --yes: apply the next best candidate instead')
    .action(
      run(async (ctx, _a, o) =>
        (await import('../commands/advise.js')).advise(
          { ...recommendArgs(o), yes: Boolean(o.yes), alternative: Boolean(o.alternative) },
          ctx,
        ),
      ),
    );

  const provider = needsSubcommand(add('provider').description('the payment provider catalogue'));
  provider
    .command('list')
    .description('each provider: instant or delayed, payment window, simulation defaults, sources')
    .action(run(async (ctx) => (await import('../commands/provider.js')).listProviders(ctx)));
  provider
    .command('methods')
    .description("the payment method → provider map: inv's defaults and the shop's own")
    .action(run(async (ctx) => (await import('../commands/provider.js')).listMethods(ctx)));
  provider
    .command('map')
    .description("map a platform's payment method to a provider (default: remove the shop's mapping)")
    .argument('<method>', 'platform:method, e.g. stripe:oxxo, shopify:paypal, woocommerce:bacs')
    .argument('<provider>', 'a provider of inv provider list, or default')
    .action(
      run(async (ctx, [method, prov]) =>
        (await import('../commands/provider.js')).mapMethod({ method, provider: prov }, ctx),
      ),
    );
  provider
    .command('set')
    .description('add a provider or tune one')
    .argument('<name>')
    .option('--window <duration>', 'payment window, e.g. 30m, 36h, 5d')
    .option('--delayed', 'payments can take days')
    .option('--instant', 'payments are known within minutes')
    .option('--unpaid-rate <share>', 'share of orders never paid, 0–1')
    .option('--fail-share <share>', 'of the unpaid, share that get a failure notice, 0–1')
    .option('--delay-median <duration>', 'median time to payment')
    .option('--delay-p95 <duration>', '95th percentile of the time to payment')
    .option('--label <text>', 'a display name')
    .action(
      run(async (ctx, [name], o) => {
        if (o.delayed && o.instant) throw new UsageError('--delayed and --instant exclude each other');
        return (await import('../commands/provider.js')).setProvider(
          { name, ...(o as Record<string, string | boolean | undefined>) },
          ctx,
        );
      }),
    );

  if (wanted !== undefined && !defined) return buildProgram(io, state, true);
  return program;
}

/** Global options that take a value: their value is not the command's name. */
const VALUED = new Set(['--db', '--now']);

/** The command named on the line (`inv --db x stock show A` → stock), or undefined for help or none. */
function commandIn(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return undefined;
    if (VALUED.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    return a === 'help' ? undefined : a;
  }
  return undefined;
}

/** Stands in for the commands not being run: every call chains and does nothing. */
const SINK: Command = new Proxy({}, { get: (_t, key) => (key === 'commands' ? [] : () => SINK) }) as Command;
