/**
 * Imports into the PostgreSQL store (SPEC section 4), in the two steps of the
 * SQLite importer (import-batch.ts), with memory flat however large the file:
 *
 * 1. `stage()`: checked rows are appended to a TEMP table of this connection,
 *    many rows per INSERT (a column array each); nothing in the store is locked meanwhile. Once the
 *    file is read they are grouped by (SKU, location) into what the conflict
 *    check needs: how many rows, the first product, their lines.
 * 2. `apply()`: one transaction locks the SKUs table against other writers (as
 *    SQLite's write lock does), checks the SKUs that have units reserved with the
 *    core's adjustment rule, and writes every movement and every changed SKU with
 *    set-based statements. Unchanged SKUs write nothing.
 */
import type pg from 'pg';
import type {
  ImportApplied,
  ImportApplyOptions,
  ImportBatch,
  ImportChange,
  ImportConflict,
  ImportRefusal,
  ImportRow,
} from '../core/ports.js';
import { importRefusals } from '../core/stock.js';
import { mapPgError } from './pg-errors.js';

/**
 * Rows per INSERT while staging, sent as one array per column and read back
 * with unnest(): seven parameters per statement instead of seven per row
 * (staging 100,000 rows: 1.09 s → 0.36 s, the parsing and planning of 7,000
 * placeholders gone).
 */
const BATCH = 1000;
/** Lines (and products) remembered per SKU and location: enough to name a conflict. */
const MAX_LINES = 50;
const SEP = '\u001f';

const dueHeld = `(SELECT COALESCE(SUM(p.qty), 0) FROM pending p WHERE p.sku = s.sku AND p.until <= $1 AND p.held = 1)`;

/** One row per SKU: locations summed; at one location, all rows summed or the last one kept. */
const agg = (duplicates: 'sum' | 'last') => {
  const qty = duplicates === 'last' ? 'last_qty' : 'qty';
  return `SELECT sku, SUM(${qty})::bigint AS qty, MAX(name) AS name, MAX(low) AS low, MIN(line) AS line FROM import_stage GROUP BY sku`;
};

export class PgImport implements ImportBatch {
  private started = false;
  private finished = false;
  private lowGiven = false;

  constructor(
    private readonly client: pg.Client,
    private readonly label: string,
    private readonly write: <T>(fn: () => Promise<T>) => Promise<T>,
  ) {}

  private async q<R = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      return (await this.client.query(sql, params)).rows as R[];
    } catch (e) {
      throw mapPgError(e, this.label);
    }
  }

  async stage(rows: ImportRow[]): Promise<void> {
    if (!this.started) {
      await this.q(`DROP TABLE IF EXISTS import_raw; DROP TABLE IF EXISTS import_stage;
        CREATE TEMP TABLE import_raw (sku TEXT COLLATE "C", loc TEXT COLLATE "C", qty BIGINT, name TEXT, low BIGINT, product TEXT, line BIGINT)`);
      this.started = true;
    }
    for (let i = 0; i < rows.length; i += BATCH) {
      const end = Math.min(rows.length, i + BATCH);
      const cols: unknown[][] = [[], [], [], [], [], [], []];
      for (let j = i; j < end; j++) {
        const r = rows[j];
        let low: number | null = null;
        if (r.lowStock !== undefined) {
          low = r.lowStock === null ? -1 : r.lowStock;
          this.lowGiven = true;
        }
        cols[0].push(r.sku);
        cols[1].push(r.location);
        cols[2].push(r.qty);
        cols[3].push(r.name);
        cols[4].push(low);
        cols[5].push(r.product);
        cols[6].push(r.line);
      }
      await this.q(
        `INSERT INTO import_raw (sku, loc, qty, name, low, product, line)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::bigint[])`,
        cols,
      );
    }
  }

  private async finish(): Promise<void> {
    if (this.finished) return;
    if (!this.started) await this.stage([]);
    // Per (SKU, location): the sum and the last quantity, the last name and threshold given, the first product, the lines.
    await this.q(`CREATE TEMP TABLE import_stage AS
      SELECT sku, loc, SUM(qty)::bigint AS qty,
        (array_agg(qty ORDER BY line DESC))[1] AS last_qty,
        (array_agg(name ORDER BY line DESC) FILTER (WHERE name IS NOT NULL))[1] AS name,
        (array_agg(low ORDER BY line DESC) FILTER (WHERE low IS NOT NULL))[1] AS low,
        (array_agg(product ORDER BY line))[1] AS product,
        MIN(line) AS line, COUNT(*) AS n,
        array_to_string((array_agg(line ORDER BY line))[1:${MAX_LINES}], ',') AS lines,
        array_to_string((array_agg(COALESCE(product, '') ORDER BY line))[1:${MAX_LINES}], chr(31)) AS products
      FROM import_raw GROUP BY sku, loc;
      DROP TABLE import_raw;
      CREATE INDEX ON import_stage (sku)`);
    this.finished = true;
  }

  async conflicts(limit: number): Promise<ImportConflict[]> {
    await this.finish();
    const rows = await this.q<{ sku: string; n: number; lines: string; products: string; repeated: string | null }>(
      `SELECT sku, SUM(n)::bigint AS n, string_agg(lines, ',') AS lines, string_agg(products, chr(31)) AS products,
              string_agg(CASE WHEN n > 1 THEN loc END, chr(31)) AS repeated
       FROM import_stage GROUP BY sku
       HAVING MAX(n) > 1 OR MIN(COALESCE(product, '')) <> MAX(COALESCE(product, ''))
       ORDER BY MIN(line) LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      sku: r.sku,
      rows: r.n,
      lines: r.lines
        .split(',')
        .map(Number)
        .sort((a, b) => a - b),
      products: [...new Set(r.products.split(SEP))].filter((p) => p !== ''),
      repeatedAt: r.repeated === null ? [] : r.repeated.split(SEP),
    }));
  }

  private async refusals(o: ImportApplyOptions): Promise<ImportRefusal[]> {
    const rows = await this.q<{ sku: string; onHand: number; reserved: number; qty: number; line: number }>(
      `SELECT s.sku, s.on_hand AS "onHand", s.reserved - ${dueHeld} AS reserved, a.qty, a.line
       FROM skus s JOIN (${agg(o.duplicates)}) a ON a.sku = s.sku
       WHERE s.sku IN (SELECT sku FROM pending WHERE held = 1) AND s.reserved > 0`,
      [o.nowMs],
    );
    return importRefusals(rows, Boolean(o.add));
  }

  private async changes(o: ImportApplyOptions): Promise<ImportChange[]> {
    const rows = await this.q<{
      sku: string;
      line: number;
      qty: number;
      name: string | null;
      low: number | null;
      created: boolean;
      onHand: number | null;
      oldName: string | null;
      oldLow: number | null;
    }>(
      `SELECT a.sku, a.line, a.qty, a.name, a.low, s.sku IS NULL AS created, s.on_hand AS "onHand", s.name AS "oldName", s.low_stock AS "oldLow"
       FROM (${agg(o.duplicates)}) a LEFT JOIN skus s ON s.sku = a.sku ORDER BY a.line`,
    );
    const out: ImportChange[] = [];
    for (const r of rows) {
      const before = r.onHand ?? 0;
      const after = o.add ? before + r.qty : r.qty;
      const name = r.name !== null && r.name !== '' ? r.name : (r.oldName ?? '');
      const lowStock = r.low === null ? r.oldLow : r.low < 0 ? null : r.low;
      if (!r.created && after === before && name === r.oldName && lowStock === r.oldLow) continue;
      out.push({
        sku: r.sku,
        line: r.line,
        created: r.created,
        name,
        nameBefore: r.oldName,
        before: r.created ? null : before,
        after,
        lowStockBefore: r.oldLow,
        lowStock,
      });
    }
    return out;
  }

  async apply(o: ImportApplyOptions): Promise<ImportApplied> {
    await this.finish();
    const [{ skus }] = await this.q<{ skus: number }>(`SELECT COUNT(DISTINCT sku)::bigint AS skus FROM import_stage`);
    const source = agg(o.duplicates);
    const run = async (): Promise<ImportApplied> => {
      // What is checked is what is written: other writers wait until the import commits.
      if (!o.dryRun) await this.q(`LOCK TABLE skus IN SHARE ROW EXCLUSIVE MODE`);
      const refused = await this.refusals(o);
      const changes = o.listChanges || o.dryRun ? await this.changes(o) : null;
      if (refused.length > 0 || o.dryRun) {
        const created = changes?.filter((c) => c.created).length ?? 0;
        const updated = (changes?.length ?? 0) - created;
        return { skus, created, updated, unchanged: skus - created - updated, refused, changes };
      }
      const [{ n: before }] = await this.q<{ n: number }>(`SELECT COUNT(*)::bigint AS n FROM skus`);
      const target = o.add ? 'COALESCE(s.on_hand, 0) + a.qty' : 'a.qty';
      // Movements first, while the SKUs still hold their old counts (the foreign key is checked at commit).
      await this.q(
        `INSERT INTO movements (at, sku, on_hand_delta, reserved_delta, reason, order_id, note)
         SELECT $1, a.sku, ${target} - COALESCE(s.on_hand, 0), 0, 'import', NULL, $2
         FROM (${source}) a LEFT JOIN skus s ON s.sku = a.sku
         WHERE ${target} IS DISTINCT FROM COALESCE(s.on_hand, 0)
         ORDER BY a.sku`,
        [o.nowMs, o.note],
      );
      const newLow = this.lowGiven
        ? `(SELECT CASE WHEN x.low IS NULL THEN skus.low_stock WHEN x.low < 0 THEN NULL ELSE x.low END
             FROM (SELECT MAX(low) AS low FROM import_stage WHERE sku = excluded.sku) x)`
        : 'skus.low_stock';
      const written =
        (
          await this.client.query(`
          INSERT INTO skus (sku, name, on_hand, low_stock)
          SELECT sku, COALESCE(name, ''), qty, CASE WHEN low >= 0 THEN low END FROM (${source}) src
          ON CONFLICT (sku) DO UPDATE SET
            on_hand = ${o.add ? 'skus.on_hand + excluded.on_hand' : 'excluded.on_hand'},
            name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE skus.name END,
            low_stock = ${newLow}
          WHERE ${o.add ? 'excluded.on_hand <> 0' : 'skus.on_hand IS DISTINCT FROM excluded.on_hand'}
             OR (excluded.name <> '' AND excluded.name IS DISTINCT FROM skus.name)
             OR skus.low_stock IS DISTINCT FROM ${newLow}`)
        ).rowCount ?? 0;
      const [{ n: after }] = await this.q<{ n: number }>(`SELECT COUNT(*)::bigint AS n FROM skus`);
      const created = after - before;
      return { skus, created, updated: written - created, unchanged: skus - written, refused, changes };
    };
    try {
      return await this.write(run);
    } catch (e) {
      throw mapPgError(e, this.label);
    }
  }

  dispose(): void {
    // Temporary tables go with the connection; drop them now for a connection that lives on (inv serve).
    void this.client.query('DROP TABLE IF EXISTS import_raw; DROP TABLE IF EXISTS import_stage').catch(() => {});
  }
}
