// The reconciler's entry points: pure functions from a hook request to a hook response.
export { customize } from './customize.js';
export { finalize } from './finalize.js';
export { sync } from './sync.js';
export type { ReconcileOptions } from './resolve.js';
