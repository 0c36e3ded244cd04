// The fixtures are HashiCorp's exact bytes (some captured from a real TFE instance): signatures
// are computed over them, so a formatter or an editor touching them would silently weaken every
// signature test. Pin each file's sha256 to the copy in shared/fixtures.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fixture, fixtureNames } from './support/fixtures';

const SHA256: Array<[string, string]> = [
  ['assessment-drifted', 'c2d76707a29c2d1e1cf8d47a411f219185db21f963d4f1508b4d270d62849699'],
  ['hcp-packer-version-assigned', '2860f7e14247860be110dfec9f2ee86e587ea9e3e416d57e751fd6d00a46123f'],
  ['hcp-vault-secrets-app-created', 'a3967c68658c1e795ce2233e140bf77b637d4bee5473cc95c3f4fcf6669ca0c9'],
  [
    'hcp-vault-secrets-integration-created',
    'aacd569556daee61c369c2aa34528b9f5d13c83cb404e6818eeb9fef60682297',
  ],
  ['hcp-vault-secrets-secret-created', '88b044fb294f0001e2b6a24ab388fe446c686c9494e15fecb00afb7c4ec52b22'],
  ['hcp-vault-secrets-secret-updated', '676f254fc2440d0221143f75674aa4c1218394703748b2269ddee8ac24482667'],
  ['hcp-verification', '27e68bdc8ba635242fbced3fc6021e97fd63069a9671539e73c5e6d5e6705d42'],
  ['team-change-request.assembled', 'a57b6c5d1afb923e43589c5270047e83ffa0870872ceb19c1d02b14601edbf0f'],
  ['tfe-run-completed-captured', 'f48f16d7567ecbb4d6ee65b37b9de2a9275483ea17d929920fcfebfdd346b251'],
  ['tfe-run-created-captured', '5bbd20ce433c9dffbe502bed87f4857c0320d0d654e32a855d4b351fd0e2a627'],
  ['tfe-run-errored-with-trigger-type', 'acabc74b2811e0b19ee20b1683cf5c9cb73d05a754084c6e53800642c1dac0ae'],
  ['tfe-run-errored', 'daab5f4c4d569d49f3f36701feb3168bc93a329e9729ee2b366abe9f1dd60ba5'],
  ['tfe-run-planned', 'fda314b194fe731f274bbe4b6c75cd4d688d897553a26991f8d44aaf01902add'],
  ['tfe-run-planning-captured', '7b5042abdf523df1d2cdf11a4dda71d0a801f08e7574f937c432b9ed2dbf2ad4'],
  ['tfe-verification-captured', '2ab648ad85cc14702947ae72225cccdf376de524c4dedb3ede626571216f3fa7'],
  ['tfe-verification', '86dc9c63ac62f1aa52576d5ca1ca389853cbb3c66a149fb807e97eecb41eff1c'],
  ['workspace-auto-destroy-reminder', 'ead9b35bc6b525d3aae11899084e594a1738e96bb27a1f87562653bb5440c8e1'],
  ['workspace-auto-destroy-results', '91924efe8e7ffa185f99c91e1cddd16be52e071e8cb05cb5b4c23eb8fd074355'],
];

describe('fixtures', () => {
  it('are exactly the published bytes', () => {
    const actual = fixtureNames().map((name) => [
      name,
      createHash('sha256').update(fixture(name)).digest('hex'),
    ]);
    expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(SHA256));
  });
});
