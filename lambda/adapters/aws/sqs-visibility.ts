// Many messages' visibility changed at once. ChangeMessageVisibilityBatch takes 10 entries a call
// and answers 200 even when some entries failed (a receipt handle that expired, a message already
// deleted), listing those in `Failed`: the one place that reads them, so no caller drops them.
import type { AwsCaller } from './aws-caller';

/** ChangeMessageVisibilityBatch's limit. */
const MAX_ENTRIES = 10;

/** How many of the messages kept their former visibility, and AWS's codes for them. */
export interface VisibilityFailures {
  count: number;
  codes: string[];
}

export async function changeVisibility(
  sqs: AwsCaller,
  queueUrl: string,
  receiptHandles: readonly string[],
  visibilitySeconds: number,
): Promise<VisibilityFailures> {
  const failures: VisibilityFailures = { count: 0, codes: [] };
  for (let i = 0; i < receiptHandles.length; i += MAX_ENTRIES) {
    const answer = await sqs.call('ChangeMessageVisibilityBatch', {
      QueueUrl: queueUrl,
      Entries: receiptHandles.slice(i, i + MAX_ENTRIES).map((handle, index) => ({
        Id: `m${index}`,
        ReceiptHandle: handle,
        VisibilityTimeout: visibilitySeconds,
      })),
    });
    for (const failed of answer.Failed ?? []) {
      failures.count++;
      const code = failed.Code ?? 'unknown';
      if (!failures.codes.includes(code)) failures.codes.push(code);
    }
  }
  return failures;
}
