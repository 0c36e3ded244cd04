// The package's CDK entry, `tfe-bridge/cdk`: the construct, the stack around it, and their types.
export type { BridgeConfig, BridgeConfigInput } from '../lambda/core/config/schema';
export { BridgeStack, type BridgeStackProps } from './bridge-stack';
export { TfeBridge, type TfeBridgeProps } from './tfe-bridge';
