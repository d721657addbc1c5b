import { MemoryStore } from './memory-store.js';
import { storeContract } from './contract.js';

storeContract('in memory (the core plans alone)', async () => new MemoryStore());
