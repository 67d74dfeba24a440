export { Prng } from './prng.js';
export { SimClock } from './sim-clock.js';
export { SimDisk } from './sim-disk.js';
export type { ThreadPoolCall } from './sim-disk.js';
