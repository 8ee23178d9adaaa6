import { isPermanent } from "./stage";

/**
 * Seals Railway tokens. Every Encrypt/Decrypt names a `purpose` in its encryption context
 * (packages/core/src/crypto), and each function is granted only the purposes it needs.
 */
export const key = new aws.kms.Key(
  "CredentialsKey",
  {
    description: `${$app.name} ${$app.stage}: Railway credentials`,
    enableKeyRotation: true,
    deletionWindowInDays: isPermanent($app.stage) ? 30 : 7,
  },
  // Losing the key loses every stored credential: it outlives its stack on permanent stages.
  { retainOnDelete: isPermanent($app.stage) },
);

export const alias = new aws.kms.Alias("CredentialsKeyAlias", {
  name: `alias/${$app.name}-${$app.stage}-credentials`,
  targetKeyId: key.keyId,
});

/** What the code reads as `Resource.CredentialsKey.id`; it grants nothing by itself. */
export const credentialsKey = new sst.Linkable("CredentialsKey", {
  properties: { id: key.arn },
});

export type Purpose = "verification-job" | "app-connection-credentials" | "webhook-secret" | "secret-data-key";

const use = (action: "kms:Encrypt" | "kms:Decrypt" | "kms:GenerateDataKey", purposes: Purpose[]) => ({
  actions: [action],
  resources: [key.arn],
  conditions: [{ test: "StringEquals", variable: "kms:EncryptionContext:purpose", values: purposes }],
});

/** `kms:Encrypt` with this key, only under an encryption context of one of these purposes. */
export const encryptFor = (...purposes: Purpose[]) => use("kms:Encrypt", purposes);

/** `kms:Decrypt` with this key, only under an encryption context of one of these purposes. */
export const decryptFor = (...purposes: Purpose[]) => use("kms:Decrypt", purposes);

/** `kms:GenerateDataKey` with this key (a data key for envelope encryption), only under these purposes. */
export const generateDataKeyFor = (...purposes: Purpose[]) => use("kms:GenerateDataKey", purposes);

/** Key metadata only, for the API's health check; it cannot encrypt or decrypt. */
export const describe = () => ({ actions: ["kms:DescribeKey"], resources: [key.arn] });
