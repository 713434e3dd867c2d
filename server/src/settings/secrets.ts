/**
 * Secrets at rest: AES-256-GCM with a key derived from Strapi's `admin.secrets.encryptionKey`.
 * Without that key a secret is stored as it is, and the settings page says so.
 */
import crypto from 'node:crypto';

export interface StoredSecret {
  /** `v1:<iv>:<ciphertext>:<tag>` (hex) when encrypted, the secret itself otherwise. */
  value: string;
  encrypted: boolean;
}

const FORMAT = 'v1';

function deriveKey(encryptionKey: string): Buffer {
  return crypto.createHash('sha256').update(`iflychat:${encryptionKey}`).digest();
}

export function sealSecret(secret: string, encryptionKey: string | undefined): StoredSecret {
  if (!encryptionKey) return { value: secret, encrypted: false };
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', deriveKey(encryptionKey), iv);
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return {
    value: [FORMAT, iv.toString('hex'), ciphertext.toString('hex'), tag.toString('hex')].join(':'),
    encrypted: true,
  };
}

/** The secret, or null when it cannot be decrypted (the encryption key changed or is gone). */
export function openSecret(stored: StoredSecret, encryptionKey: string | undefined): string | null {
  if (!stored.encrypted) return stored.value;
  if (!encryptionKey) return null;
  const [format, ivHex, dataHex, tagHex] = stored.value.split(':');
  if (format !== FORMAT || !ivHex || !dataHex || !tagHex) return null;
  try {
    const decipher = crypto.createDecipheriv(
      'aes-256-gcm',
      deriveKey(encryptionKey),
      Buffer.from(ivHex, 'hex')
    );
    decipher.setAuthTag(Buffer.from(tagHex, 'hex'));
    return Buffer.concat([decipher.update(Buffer.from(dataHex, 'hex')), decipher.final()]).toString(
      'utf8'
    );
  } catch {
    return null;
  }
}
