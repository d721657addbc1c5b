import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../src/core/providers.js';
import {
  buildModel,
  MAX_TRIALS,
  parseScenario,
  quantile,
  resolveModel,
  simulate,
  type Problem,
} from '../../src/sim/index.js';

const SPEC_EXAMPLE = {
  hours: 24,
  checkoutsPerHour: 120,
  trials: 200,
  seed: 7,
  skus: [{ sku: 'MUG', stock: 5, price: 18.0 }],
  providers: [
    { name: 'card', share: 0.8, unpaidRate: 0.05, delayHours: { median: 0.02, p95: 0.1 }, windowHours: 1 },
    { name: 'boleto', share: 0.2, unpaidRate: 0.4, delayHours: { median: 30, p95: 96 }, windowHours: 120 },
  ],
};

const problemsOf = (doc: unknown): Problem[] => {
  const { input, problems } = parseScenario(JSON.stringify(doc), 's.json');
  if (problems.length > 0) return problems;
  const more: Problem[] = [];
  resolveModel(input, CATALOGUE, more);
  return more;
};

describe('scenario files', () => {
  it('reads the SPEC example, filling the rest of each provider from the catalogue', () => {
    const { input, problems } = parseScenario(JSON.stringify(SPEC_EXAMPLE), 's.json');
    expect(problems).toEqual([]);
    const m = buildModel(input);
    expect(m).toMatchObject({ hours: 24, checkoutsPerHour: 120, trials: 200, seed: 7, traffic: null });
    expect(m.skus).toEqual([{ sku: 'MUG', stock: 5, price: 18, weight: 1 }]);
    expect(m.providers[0]).toEqual({
      name: 'card',
      share: 0.8,
      unpaidRate: 0.05,
      failShare: 0.5,
      windowHours: 1,
      delayHours: { median: 0.02, p95: 0.1 },
    });
    expect(m.providers[1]).toMatchObject({ name: 'boleto', failShare: 0 });
  });

  it('the resolved params are themselves a scenario that gives the same run', () => {
    const first = simulate(
      buildModel({
        ...parseScenario(JSON.stringify(SPEC_EXAMPLE), 's').input,
        trials: 20,
        providers: [{ name: 'paypal', share: 0.5 }, { name: 'konbini' }],
      }),
    );
    const again = parseScenario(JSON.stringify(first.params), 'params');
    expect(again.problems).toEqual([]);
    expect(simulate(buildModel(again.input))).toEqual(first);
  });

  it('reports every problem with its JSON path', () => {
    const problems = problemsOf({
      hours: 0,
      checkoutsPerHour: -3,
      trials: 2.5,
      seed: -1,
      traffic: 'blackfriday',
      extra: 1,
      skus: [{ sku: 'A', stock: 1 }, { sku: 'A', stock: 'many' }, { stock: 2 }, 'B'],
      providers: [{ name: 'card', share: 1.5, delayHours: { median: 10, p95: 2 } }, { name: 'nope' }, { share: 0.2 }],
    }).map((p) => p.path);
    expect(problems).toEqual(
      expect.arrayContaining([
        '$.hours',
        '$.checkoutsPerHour',
        '$.trials',
        '$.seed',
        '$.traffic',
        '$.extra',
        '$.skus[1].sku',
        '$.skus[1].stock',
        '$.skus[2].sku',
        '$.skus[3]',
        '$.providers[0].share',
        '$.providers[0].delayHours.p95',
        '$.providers[2].name',
      ]),
    );
  });

  it('refuses what is not JSON or not an object, naming the file', () => {
    expect(parseScenario('{"hours": 24,', 'bad.json').problems[0]).toMatchObject({
      path: 'bad.json',
      message: expect.stringMatching(/not valid JSON/),
    });
    expect(parseScenario('[1, 2]', 'list.json').problems[0]).toMatchObject({
      path: '$',
      message: expect.stringMatching(/JSON object/),
    });
  });

  it('an unknown provider needs its description; a described one is simulated', () => {
    expect(problemsOf({ providers: [{ name: 'mercadopago', share: 1 }] })[0]).toMatchObject({
      path: '$.providers[0].name',
      message: expect.stringMatching(
        /unknown provider "mercadopago"; known: .*card.*windowHours, unpaidRate, delayHours missing/,
      ),
    });
    expect(
      problemsOf({
        providers: [{ name: 'mercadopago', share: 1, windowHours: 48, unpaidRate: 0.3, delayHours: { fixed: 12 } }],
      }),
    ).toEqual([]);
  });

  it('p95 below the median is refused; equal is a fixed delay', () => {
    expect(problemsOf({ providers: [{ name: 'card', delayHours: { median: 2, p95: 1 } }] })[0].path).toBe(
      '$.providers[0].delayHours.p95',
    );
    expect(problemsOf({ providers: [{ name: 'card', delayHours: { median: 2, p95: 2 } }] })).toEqual([]);
  });

  it('the trials limit is stated', () => {
    expect(problemsOf({ trials: MAX_TRIALS + 1 })[0].message).toMatch(/above the limit of 100,000 trials/);
    expect(problemsOf({ trials: MAX_TRIALS })).toEqual([]);
  });

  it('refuses a period with more checkouts than a trial can hold', () => {
    expect(problemsOf({ hours: 1000, checkoutsPerHour: 10_000 })[0].message).toMatch(/above the limit of 2,000,000/);
  });
});

describe('provider shares', () => {
  const shares = (providers: { name: string; share?: number }[]) =>
    buildModel({ providers }).providers.map((p) => +p.share.toFixed(6));

  it('shares within 0.01 of 1 are rescaled to sum to 1', () => {
    expect(
      shares([
        { name: 'card', share: 0.33 },
        { name: 'paypal', share: 0.33 },
        { name: 'boleto', share: 0.33 },
      ]),
    ).toEqual([0.333333, 0.333333, 0.333333]);
  });

  it('providers without a share split what the others leave; none given means equal shares', () => {
    expect(shares([{ name: 'card', share: 0.5 }, { name: 'paypal' }, { name: 'boleto' }])).toEqual([0.5, 0.25, 0.25]);
    expect(shares([{ name: 'card' }, { name: 'boleto' }])).toEqual([0.5, 0.5]);
  });

  it('shares that do not sum to 1 are refused, saying how to fix them', () => {
    expect(() =>
      buildModel({
        providers: [
          { name: 'card', share: 0.5 },
          { name: 'paypal', share: 0.3 },
        ],
      }),
    ).toThrow(/add up to 0.8, not 1/);
    expect(() => buildModel({ providers: [{ name: 'card', share: 1 }, { name: 'paypal' }] })).toThrow(
      /leaving nothing/,
    );
  });
});

describe('summaries', () => {
  it("low and high are the trials' own 2.5th and 97.5th percentiles (nearest rank)", () => {
    const xs = Float64Array.from({ length: 200 }, (_, i) => i + 1);
    expect([quantile(xs, 0.025), quantile(xs, 0.975)]).toEqual([5, 195]);
    expect([quantile([7], 0.025), quantile([7], 0.975)]).toEqual([7, 7]);
  });
});
