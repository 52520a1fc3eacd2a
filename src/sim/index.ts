// A deterministic simulator of Metacontroller and the Kubernetes controllers that drives the
// real hook server over HTTP until the cluster converges.
export { Simulator } from './simulator.js';
export type { ContainerOutcome, HookCall, KubeObject, RoundResult, SimulatorOptions } from './simulator.js';
export { agentModel, mountedConfig, type ObjectSource } from './agent-model.js';
