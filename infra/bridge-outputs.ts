// The stack's outputs: each route's webhook URL, and the queue URLs and ARNs the dead-letter
// commands and `aws sqs start-message-move-task` need. Their ids are what scripts query.
import { CfnOutput } from 'aws-cdk-lib';
import type { FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { BridgeConfig } from '../lambda/core/config/schema';
import type { DeadLetterArchiveTable } from './dead-letter-archive-table';

export interface BridgeOutputsProps {
  readonly config: BridgeConfig;
  readonly functionUrl: FunctionUrl;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  readonly alarmTopic: ITopic | undefined;
  readonly deadLetterArchive?: DeadLetterArchiveTable | undefined;
}

export function addOutputs(scope: Construct, props: BridgeOutputsProps): void {
  const outputIds = new Set<string>();
  props.config.routes.forEach((route, index) => {
    let outputId = `WebhookUrl${pascalCase(route.id)}`;
    if (outputIds.has(outputId)) outputId = `${outputId}${index}`;
    outputIds.add(outputId);
    new CfnOutput(scope, outputId, {
      description: `Webhook URL of route "${route.id}": paste it into HCP Terraform with the route's signing token`,
      // The Function URL ends with a slash.
      value: `${props.functionUrl.url}hooks/${route.id}`,
    });
  });
  new CfnOutput(scope, 'QueueUrl', { value: props.queue.queueUrl, description: 'Delivery job queue' });
  new CfnOutput(scope, 'QueueArn', {
    value: props.queue.queueArn,
    description: 'Destination ARN for `aws sqs start-message-move-task` (redrive)',
  });
  new CfnOutput(scope, 'DeadLetterQueueUrl', {
    value: props.deadLetterQueue.queueUrl,
    description: 'Dead letters: jobs that failed permanently or ran out of retries',
  });
  new CfnOutput(scope, 'DeadLetterQueueArn', {
    value: props.deadLetterQueue.queueArn,
    description: 'Source ARN for `aws sqs start-message-move-task` (redrive)',
  });
  if (props.deadLetterArchive) {
    new CfnOutput(scope, 'DeadLetterArchiveTable', {
      value: props.deadLetterArchive.table.tableName,
      description: 'Dead-letter archive: `tfe-bridge dead-letters list|replay --archive <this>`',
    });
  }
  if (props.alarmTopic) {
    new CfnOutput(scope, 'AlarmTopicArn', { value: props.alarmTopic.topicArn, description: 'Alarm topic' });
  }
}

function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');
}
