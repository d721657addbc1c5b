import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';
import { storeContract } from './contract.js';

const dir = tempDir();
let n = 0;
storeContract('SQLite', async () => openSqliteStore({ path: join(dir, `c${++n}.db`) }));
