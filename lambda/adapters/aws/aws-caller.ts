// The port every AWS adapter of the bridge calls through: one AWS JSON-protocol operation by name,
// its input and output as the service's API documents them. The Lambdas pass AwsJsonClient
// (aws-json-client.ts); the CLI passes an SDK client with the full credential chain (sdk-caller.ts).
export interface AwsCaller {
  /** Resolves to the operation's answer; rejects with an error named by its AWS error code. */
  call<Output>(operation: string, input: object): Promise<Output>;
}
