/**
 * The SQL of the availability rule (core/orders.ts stockItem: units held by
 * orders past their window are available again), for the SQLite store and its
 * imports. The core decides; these statements only read and enforce it under
 * the write lock.
 */
/** Units of a SKU held by orders past their window: already available again (SPEC section 2, Clock). */
export const DUE_HELD = `(SELECT COALESCE(SUM(p.qty), 0) FROM pending p WHERE p.sku = s.sku AND p.until <= @now AND p.held = 1)`;

/** Enough available for a line: holds past their window count, but are only summed when the plain check falls short. */
const ENOUGH = `s.sku = @sku AND (s.on_hand - s.reserved >= @need OR s.on_hand - s.reserved + ${DUE_HELD} >= @need)`;
export const TAKE_IF_AVAILABLE = `UPDATE skus AS s SET on_hand = on_hand + @onHand, reserved = reserved + @reserve WHERE ${ENOUGH}`;
export const IS_AVAILABLE = `SELECT 1 FROM skus AS s WHERE ${ENOUGH}`;
export const SKU_ROW = `SELECT s.*, ${DUE_HELD} AS due FROM skus s WHERE s.sku = @sku`;
export const ALL_SKU_ROWS = `SELECT s.*, ${DUE_HELD} AS due FROM skus s ORDER BY s.sku`;
