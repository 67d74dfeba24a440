export { NodeFileSystem } from './node-file-system.js';
export { SystemClock, SystemScheduler } from './system-clock.js';
export { TcpTransport } from './tcp-transport.js';
export { systemRandom, systemRandomBytes } from './random.js';
export { diskSpace } from './disk-space.js';
