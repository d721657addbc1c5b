import { describe, expect, it } from 'vitest';
import { checkSku, parseDurationHours, parseInteger, parseTime } from '../../src/core/values.js';

describe('values a user types', () => {
  it('SKUs: 1–64 printable characters, case kept', () => {
    expect(checkSku('Mug-Blue®')).toBe('Mug-Blue®');
    expect(checkSku('x'.repeat(64))).toHaveLength(64);
    expect(() => checkSku('')).toThrow(/empty/);
    expect(() => checkSku('x'.repeat(65))).toThrow(/longer than 64/);
    expect(() => checkSku('A\tB')).toThrow(/control character/);
    expect(() => checkSku('A\u001b[31m')).toThrow(/control character/);
  });

  it('integers: whole, in ±1e9', () => {
    expect(parseInteger('q', '-5')).toBe(-5);
    expect(parseInteger('q', '1000000000')).toBe(1e9);
    for (const bad of ['1.5', '10.55', 'abc', '', '1e3', '1000000001', '0x10'])
      expect(() => parseInteger('q', bad)).toThrow();
    expect(() => parseInteger('q', '0', { min: 1 })).toThrow(/at least 1/);
  });

  it('times: ISO-8601, UTC when no zone is given, impossible dates refused', () => {
    expect(parseTime('t', '2026-11-27')).toBe(Date.parse('2026-11-27T00:00:00Z'));
    expect(parseTime('t', '2026-11-27T09:30')).toBe(Date.parse('2026-11-27T09:30:00Z'));
    expect(parseTime('t', '2026-11-27T09:30:00+01:00')).toBe(Date.parse('2026-11-27T08:30:00Z'));
    for (const bad of ['yesterday', '2026-02-31', '27/11/2026', '2026-13-01'])
      expect(() => parseTime('t', bad)).toThrow();
  });

  it('durations in hours', () => {
    expect(parseDurationHours('w', '30m')).toBe(0.5);
    expect(parseDurationHours('w', '5d')).toBe(120);
    expect(parseDurationHours('w', 'PT36H')).toBe(36);
    expect(parseDurationHours('w', 'P1DT12H')).toBe(36);
    for (const bad of ['5', 'soon', '0h', 'P', '-3d']) expect(() => parseDurationHours('w', bad)).toThrow();
  });
});
