// The reconciler's entry points: pure functions from a hook request to a hook response.
//
// Inside src/reconcile, imports run one way (test/reconcile/imports.test.ts keeps this true):
//
//   shared     app-queries, configmeta, connections, kinds, labels, names, notify, observed,
//              pods, quantity, secret-keys, render/persist: import only each other
//   resolve    request -> what every later step reads
//   validate   the rules that need the app
//   plan       members and their states
//   render/*   children (render modules may import each other)
//   status     the status of the response (apply-strategy: what the observed strategy means for it)
//   hooks      boundary, sync, customize, finalize, index
//
// A step imports shared modules and earlier steps, never a later one, and nothing forms a cycle.
export { customize } from './customize.js';
export { finalize } from './finalize.js';
export { sync } from './sync.js';
export type { ReconcileOptions } from './resolve.js';
