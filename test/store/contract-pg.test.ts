import { describe, it } from 'vitest';
import { openPgStore } from '../../src/store/pg-store.js';
import { HAVE_PG, pgDatabase } from '../pg.js';
import { storeContract } from './contract.js';

if (HAVE_PG)
  storeContract('PostgreSQL', async () => openPgStore({ url: await pgDatabase(), busyTimeoutMs: 5000 }), { runs: 15 });
else
  describe.skip('the Store contract: PostgreSQL (skipped: npm run test:pg starts a server)', () =>
    it('runs', () => {}));
