// The cold-start baseline: a Function URL handler that does nothing, bundled like the receiver.
export const handler = async (): Promise<{ statusCode: number; body: string }> => ({
  statusCode: 200,
  body: '{}',
});
