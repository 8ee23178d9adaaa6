/**
 * Envelope-free KMS sealing: Railway tokens are at most 255 characters, well under KMS's
 * 4 KiB plaintext limit. The encryption context is bound as authenticated data, so a blob
 * only opens with the exact context it was sealed under.
 */
import { createHash } from "node:crypto";
import { DecryptCommand, DescribeKeyCommand, EncryptCommand, KMSClient } from "@aws-sdk/client-kms";
import { Resource } from "../resource/index.ts";

// Made on first use: the dead-letter and maintenance functions carry this module but never call KMS.
let client: KMSClient | undefined;
export const kms = () => {
  client ??= new KMSClient({});
  return client;
};

export type Context = Record<string, string>;

/** The context of a token travelling on the verification queue. */
export const jobContext = (orgId: string, connectionId: string, jobId: string): Context => ({
  purpose: "verification-job",
  orgId,
  connectionId,
  jobId,
});

/** The context of a verified credential at rest: bound to its org, connection and app. */
export const credentialContext = (orgId: string, connectionId: string, app: string): Context => ({
  purpose: "app-connection-credentials",
  app,
  orgId,
  connectionId,
});

/** The context of a webhook endpoint's signing secret at rest. */
export const webhookSecretContext = (orgId: string, endpointId: string): Context => ({
  purpose: "webhook-secret",
  orgId,
  endpointId,
});

export const ping = () => kms().send(new DescribeKeyCommand({ KeyId: Resource.CredentialsKey.id }));

export async function seal(plaintext: string, context: Context): Promise<Uint8Array> {
  const out = await kms().send(
    new EncryptCommand({
      KeyId: Resource.CredentialsKey.id,
      Plaintext: new TextEncoder().encode(plaintext),
      EncryptionContext: context,
    }),
  );
  if (!out.CiphertextBlob) throw new Error("KMS returned no ciphertext");
  return out.CiphertextBlob;
}

export async function open(ciphertext: Uint8Array, context: Context): Promise<string> {
  const out = await kms().send(
    new DecryptCommand({
      KeyId: Resource.CredentialsKey.id,
      CiphertextBlob: ciphertext,
      EncryptionContext: context,
    }),
  );
  if (!out.Plaintext) throw new Error("KMS returned no plaintext");
  return new TextDecoder().decode(out.Plaintext);
}

export const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");
