// Role secret keys: plain values, or values encrypted with kd-global-config's
// masterEncryptionKey as upstream KubeDirector encrypts them (AES-GCM, hex nonce||ciphertext||tag).
import { createDecipheriv, type CipherGCMTypes } from 'node:crypto';
import type { ClusterRole } from '../api/cluster.js';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Decrypts an upstream encryptedValue; throws with a reason when it cannot. */
export function decryptSecretKey(encryptedHex: string, masterKeyHex: string): string {
  const key = Buffer.from(masterKeyHex, 'hex');
  if (![16, 24, 32].includes(key.length) || key.toString('hex') !== masterKeyHex.toLowerCase()) {
    throw new Error('masterEncryptionKey must be 16, 24 or 32 bytes in hex');
  }
  const sealed = Buffer.from(encryptedHex, 'hex');
  if (sealed.length < NONCE_BYTES + TAG_BYTES || sealed.toString('hex') !== encryptedHex.toLowerCase()) {
    throw new Error('encryptedValue is not hex of nonce, ciphertext and tag');
  }
  const decipher = createDecipheriv(`aes-${key.length * 8}-gcm` as CipherGCMTypes, key, sealed.subarray(0, NONCE_BYTES));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8');
}

/** A role's secret keys decrypted, or why they cannot be. */
export type DecryptedKeys = { keys: Record<string, string> } | { error: string };

/** roleSecretKeys without the throw. */
export function decryptRoleKeys(role: ClusterRole, masterKey: string | undefined): DecryptedKeys {
  try {
    return { keys: roleSecretKeys(role, masterKey) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** The role's secret keys by name; a non-empty value wins over an encrypted one, as upstream. */
export function roleSecretKeys(role: ClusterRole, masterKey: string | undefined): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const secretKey of role.secretKeys ?? []) {
    if (secretKey.value) keys[secretKey.name] = secretKey.value;
    else if (secretKey.encryptedValue) {
      if (!masterKey) throw new Error(`secret key "${secretKey.name}" is encrypted but kd-global-config has no masterEncryptionKey`);
      try {
        keys[secretKey.name] = decryptSecretKey(secretKey.encryptedValue, masterKey);
      } catch (error) {
        throw new Error(`secret key "${secretKey.name}" cannot be decrypted: ${(error as Error).message}`);
      }
    } else keys[secretKey.name] = '';
  }
  return keys;
}
