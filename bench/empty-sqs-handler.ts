// The worker's cold-start baseline: an SQS event handler that reports every record done.
export const handler = async (): Promise<{ batchItemFailures: [] }> => ({ batchItemFailures: [] });
