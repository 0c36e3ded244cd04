// Least-privilege secret access: each function may read exactly the Secrets Manager secrets the
// config names for it, by ARN, and in `createSecrets` mode the stack creates those secrets itself.
import { ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct, IConstruct } from 'constructs';
import type { BridgeConfig } from '../lambda/core/config/schema';
import { SECRET_PLACEHOLDER } from '../lambda/core/secrets';
import { jsonKeysBySecret, signingJsonKeyBySecret } from './config-secrets';

/**
 * Maps a secret id to the ARN (pattern) to grant. With `create`, every secret named by name (not
 * ARN) is created in `scope` with a random value, and maps to that secret's ARN.
 */
export function secretArnsFor(scope: Construct, config: BridgeConfig, create: boolean) {
  const stack = Stack.of(scope);
  if (!create) return (secretId: string) => secretArnPattern(stack, secretId);
  const created = new Map<string, string>();
  // The JSON key a route signs with must be the random one, never the placeholder.
  const signingKeys = signingJsonKeyBySecret(config);
  let index = 0;
  for (const [secretId, jsonKeys] of jsonKeysBySecret(config)) {
    if (secretId.startsWith('arn:')) continue;
    const secret = new Secret(scope, `Secret${index++}`, {
      secretName: secretId,
      description: `tfe-bridge: ${secretId} (placeholder: replace with put-secret-value unless it is a signing token)`,
      generateSecretString: placeholderValue(jsonKeys, signingKeys.get(secretId)),
      // Tokens were pasted into HashiCorp and into partners: never delete them with the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Signing tokens and destination credentials are issued to or by third parties (HashiCorp, ' +
        'the destination API); rotating them means re-issuing them there, which a rotation Lambda cannot do.',
    });
    created.set(secretId, secret.secretArn);
  }
  return (secretId: string) => created.get(secretId) ?? secretArnPattern(stack, secretId);
}

/**
 * The ARN of a secret by name: Secrets Manager appends "-" and six random characters. A full ARN
 * in the config is used as it is.
 */
export function secretArnPattern(stack: Stack, secretId: string): string {
  if (secretId.startsWith('arn:')) return secretId;
  return stack.formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${secretId}-??????`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** `secretsmanager:GetSecretValue` on exactly these ARNs; no statement at all for none. */
export function grantSecretRead(grantee: IGrantable, arns: string[]): void {
  if (arns.length === 0) return;
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: arns }),
  );
}

/**
 * kms:Decrypt with the customer-managed key the secrets are encrypted with, only when Secrets
 * Manager asks on the function's behalf (GetSecretValue), never for direct use of the key.
 */
export function grantSecretKeyDecrypt(grantee: IGrantable & IConstruct, key: IKey): void {
  const stack = Stack.of(grantee);
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.${stack.urlSuffix}` } },
    }),
  );
}

/**
 * A random value for a new secret: the whole value, or one JSON key (the signing key if the
 * secret holds one, else the first) while the others hold the placeholder, which the receiver
 * refuses to verify with.
 */
function placeholderValue(jsonKeys: string[], signingKey: string | undefined) {
  const random = { passwordLength: 48, excludePunctuation: true };
  const generated = signingKey ?? jsonKeys[0];
  if (generated === undefined) return random;
  const rest = jsonKeys.filter((key) => key !== generated);
  return {
    ...random,
    secretStringTemplate: JSON.stringify(Object.fromEntries(rest.map((key) => [key, SECRET_PLACEHOLDER]))),
    generateStringKey: generated,
  };
}
