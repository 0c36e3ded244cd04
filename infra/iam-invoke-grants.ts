// Least-privilege invoke for aws-iam destinations: the worker may call exactly the API Gateway
// route or Function URL each one names (execute-api:Invoke, lambda:InvokeFunctionUrl), nothing else.
import { Stack } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { AWS_IAM_SERVICES, invokeTargetOf } from '../lambda/core/config/aws-iam';
import type { BridgeConfig } from '../lambda/core/config/schema';

/** `service:action` → the ARNs the config's aws-iam destinations name, in config order. */
export function iamInvokeArns(stack: Stack, config: BridgeConfig): Map<string, string[]> {
  const byAction = new Map<string, string[]>();
  for (const route of config.routes) {
    for (const { auth, url } of route.destinations) {
      if (auth.type !== 'aws-iam') continue;
      const target = invokeTargetOf(auth, url);
      // parseConfig refused the config already when there is a problem.
      if ('problem' in target) throw new Error(`aws-iam destination: ${target.problem}`);
      const arn =
        'arn' in target
          ? target.arn
          : stack.formatArn({
              service: 'execute-api',
              region: target.api.region,
              resource: target.api.id,
              // The method is always POST; the stage and path as in the URL.
              resourceName: `${target.api.stage}/POST/${target.api.path}`,
            });
      const { action } = AWS_IAM_SERVICES[auth.service];
      const arns = byAction.get(action) ?? [];
      if (!arns.includes(arn)) arns.push(arn);
      byAction.set(action, arns);
    }
  }
  return byAction;
}

export function grantIamInvokes(grantee: IGrantable & IConstruct, config: BridgeConfig): void {
  const stack = Stack.of(grantee);
  for (const [action, resources] of iamInvokeArns(stack, config)) {
    grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: [action], resources }));
  }
}
