// The bridge in a CloudFormation stack of its own, as `cdk deploy` of this repository creates it:
// the TfeBridge construct (tfe-bridge.ts) with id `Default`, which CDK leaves out of logical ids,
// so every resource keeps the id it had before the construct existed.
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { BridgeConfig } from '../lambda/core/config/schema';
import { TfeBridge, type TfeBridgeProps } from './tfe-bridge';

export interface BridgeStackProps extends StackProps, Omit<TfeBridgeProps, 'config' | 'configFile' | 'tags'> {
  /** The validated config, `{ file }` templates already inlined (see deploy-config.ts). */
  readonly config: BridgeConfig;
}

export class BridgeStack extends Stack {
  readonly bridge: TfeBridge;

  constructor(scope: Construct, id: string, props: BridgeStackProps) {
    super(scope, id, props);
    // The stack's own `tags` already reach every resource in it.
    const { tags: _stackTags, ...bridgeProps } = props;
    this.bridge = new TfeBridge(this, 'Default', bridgeProps);
  }
}
