// `tfe-bridge send-test --destination ROUTE/DEST`: one real delivery of a payload to a configured
// destination, through the delivery code itself (auth, OAuth2 token, signature, template, a 401
// re-read), so a destination's setup can be checked before a notification depends on it.
import { createAwsEndpointResolver } from '../adapters/aws/aws-endpoints';
import { createAwsRequestSigner } from '../adapters/aws/aws-request-signer';
import { sdkCredentialChain } from '../adapters/aws/sdk-credential-chain';
import { loadConfigFile } from '../adapters/local/config-file';
import { FileSecretStore } from '../adapters/local/file-secret-store';
import { createLocalLogger } from '../adapters/local/pino-logger';
import { createTlsFetch } from '../adapters/tls-fetch';
import { destinationSecrets } from '../core/config/secret-check';
import { attemptDelivery } from '../core/deliver/attempt';
import { createJobs } from '../core/receive/jobs';
import { classifyPayload, parseJsonObject } from '../core/receive/payloads';
import { type CommandIo, configPath, EXIT_FAILURE, EXIT_OK, secretsPath, UsageError } from './args';
import { targetNamed } from './destination-option';
import { logLevel } from './log-level-option';

export interface DestinationTestOptions {
  destination: string;
  config: string | undefined;
  secrets: string | undefined;
  body: string;
}

/** Delivers `body` once to the destination; exit 0 when it answered 2xx. */
export async function sendToDestination(options: DestinationTestOptions, io: CommandIo): Promise<number> {
  const parsed = parseJsonObject(options.body);
  if (!parsed.ok) throw new UsageError(`the payload is unusable: ${parsed.reason}`);
  const loaded = loadConfigFile(configPath(options.config, io.env));
  try {
    const target = targetNamed(loaded, options.destination);
    const file = secretsPath(options.secrets, io.env);
    // An AWS target or a destination without auth reads no secret: no file is needed.
    if (file === undefined && destinationSecrets(target.destination, '').length > 0)
      throw new UsageError('pass --secrets FILE (or TFE_BRIDGE_SECRETS): this destination reads secrets');
    const notification = classifyPayload(parsed.value);
    // The job the bridge would queue for this destination (filters aside), delivered here.
    const [job] = createJobs(target.route.id, [target.destination], options.body, notification, new Date());
    if (!job) throw new Error('no job was created');
    const logger = createLocalLogger({
      level: logLevel(undefined, io.env),
      stream: { write: (line) => io.stderr(line) },
    });
    const { result } = await attemptDelivery(job, target, 1, {
      secrets: new FileSecretStore(file),
      fetch: globalThis.fetch,
      signAws: createAwsRequestSigner({ credentials: sdkCredentialChain() }),
      awsEndpoint: createAwsEndpointResolver(io.env),
      fetchTls: createTlsFetch(),
      logger,
    });
    const status = result.status === undefined ? '' : ` (HTTP ${result.status})`;
    if (result.outcome === 'delivered') {
      io.stdout(`delivered to ${options.destination}${status}\n`);
      return EXIT_OK;
    }
    if (result.outcome === 'skipped') {
      io.stdout(
        `not sent to ${options.destination}: its filter skips this notification (${result.reason})\n`,
      );
      return EXIT_FAILURE;
    }
    // The error is masked of every secret value the attempt read (attemptDelivery).
    const reason = result.outcome === 'permanent' ? (result.reason ?? 'permanent') : 'would be retried';
    io.stdout(`not delivered to ${options.destination}${status}: ${reason}: ${result.error}\n`);
    return EXIT_FAILURE;
  } finally {
    await loaded.sandbox?.close();
  }
}
