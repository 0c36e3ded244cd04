// Least privilege for what the worker calls on AWS: exactly the API Gateway route or Function URL
// each aws-iam destination names (execute-api:Invoke, lambda:InvokeFunctionUrl), and exactly the
// bus, topic or queue each eventbridge, sns or sqs destination names (events:PutEvents,
// sns:Publish, sqs:SendMessage). Nothing else.
import { ArnFormat, Stack } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { AWS_IAM_SERVICES, invokeTargetOf } from '../lambda/core/config/aws-iam';
import { type AwsTarget, awsTargetOf } from '../lambda/core/config/aws-targets';
import type { BridgeConfig, DestinationConfig } from '../lambda/core/config/schema';

/** The action and ARN an aws-iam destination needs, or undefined for any other. */
function iamInvokeOf(stack: Stack, { auth, url }: DestinationConfig): [string, string] | undefined {
  if (auth.type !== 'aws-iam' || url === undefined) return undefined;
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
  return [AWS_IAM_SERVICES[auth.service].action, arn];
}

/** The action and ARN an AWS target needs: a bus named by name is in the stack's account and
 *  region (the worker's own, where it sends it). */
function awsTargetGrantOf(stack: Stack, target: AwsTarget): [string, string] {
  switch (target.kind) {
    case 'eventbridge':
      // A bus named by ARN is granted as named; by name, in the stack's account.
      if (target.account) return ['events:PutEvents', target.config.busName];
      return [
        'events:PutEvents',
        stack.formatArn({
          service: 'events',
          resource: 'event-bus',
          resourceName: target.name,
          ...(target.region ? { region: target.region } : {}),
        }),
      ];
    case 'sns':
      return ['sns:Publish', target.arn];
    case 'sqs':
      return [
        'sqs:SendMessage',
        stack.formatArn({
          service: 'sqs',
          region: target.region,
          account: target.account,
          resource: target.name,
          arnFormat: ArnFormat.NO_RESOURCE_NAME,
        }),
      ];
  }
}

/** `service:action` → the ARNs the config's destinations name, in config order. */
export function iamInvokeArns(stack: Stack, config: BridgeConfig): Map<string, string[]> {
  const byAction = new Map<string, string[]>();
  for (const route of config.routes) {
    for (const destination of route.destinations) {
      const aws = awsTargetOf(destination);
      const grant = aws ? awsTargetGrantOf(stack, aws) : iamInvokeOf(stack, destination);
      if (!grant) continue;
      const [action, arn] = grant;
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
