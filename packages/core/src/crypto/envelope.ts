/**
 * Envelope encryption for values too many or too large for KMS itself: KMS generates and wraps
 * a data key, the wrapped key is stored, and values are sealed locally with AES-256-GCM under it.
 * Its own module, so that the functions that never seal this way do not carry GenerateDataKey.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { DecryptCommand, GenerateDataKeyCommand } from "@aws-sdk/client-kms";
import { Resource } from "../resource/index.ts";
import { type Context, kms } from "./index.ts";

/** A fresh data key: its plaintext (to use now, never to store) and its KMS-wrapped form (to store). */
export async function generate(context: Context) {
  const out = await kms().send(
    new GenerateDataKeyCommand({ KeyId: Resource.CredentialsKey.id, KeySpec: "AES_256", EncryptionContext: context }),
  );
  if (!out.Plaintext || !out.CiphertextBlob) throw new Error("KMS returned no data key");
  return { plaintext: out.Plaintext, wrapped: out.CiphertextBlob };
}

export async function unwrap(wrapped: Uint8Array, context: Context): Promise<Uint8Array> {
  const out = await kms().send(
    new DecryptCommand({ KeyId: Resource.CredentialsKey.id, CiphertextBlob: wrapped, EncryptionContext: context }),
  );
  if (!out.Plaintext) throw new Error("KMS returned no plaintext");
  return out.Plaintext;
}

const ivBytes = 12;
const tagBytes = 16;

/** `iv ‖ tag ‖ ciphertext`; `aad` is authenticated, so the blob opens only with the same one. */
export function seal(key: Uint8Array, plaintext: string, aad: string): Uint8Array {
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv("aes-256-gcm", key, iv).setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

export function open(key: Uint8Array, blob: Uint8Array, aad: string): string {
  const data = Buffer.from(blob);
  const decipher = createDecipheriv("aes-256-gcm", key, data.subarray(0, ivBytes)).setAAD(Buffer.from(aad));
  decipher.setAuthTag(data.subarray(ivBytes, ivBytes + tagBytes));
  return Buffer.concat([decipher.update(data.subarray(ivBytes + tagBytes)), decipher.final()]).toString("utf8");
}
