/**
 * Secrets at rest: AES-256-GCM with a 12-byte IV and a pinned 16-byte authentication tag, under
 * a key derived with HKDF-SHA256 (a random salt per secret) from Strapi's
 * `admin.secrets.encryptionKey`. Without that key a secret is stored as it is, the settings
 * page says so, and the secret is encrypted at the next start that has the key.
 *
 * Formats: `v2:<salt>:<iv>:<ciphertext>:<tag>` (hex) is written; `v1:<iv>:<ciphertext>:<tag>`
 * (a SHA-256 derived key) is still read, and rewritten as v2 at startup.
 */
import crypto from 'node:crypto';

export interface StoredSecret {
  /** `v2:…` when encrypted, the secret itself otherwise. */
  value: string;
  encrypted: boolean;
}

const FORMAT = 'v2';
const LEGACY_FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SALT_BYTES = 16;
const HKDF_INFO = 'strapi-plugin-iflychat secret v2';

function deriveKey(encryptionKey: string, salt: Buffer): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', encryptionKey, salt, HKDF_INFO, 32));
}

function legacyKey(encryptionKey: string): Buffer {
  return crypto.createHash('sha256').update(`iflychat:${encryptionKey}`).digest();
}

export function sealSecret(secret: string, encryptionKey: string | undefined): StoredSecret {
  if (!encryptionKey) return { value: secret, encrypted: false };
  const salt = crypto.randomBytes(SALT_BYTES);
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', deriveKey(encryptionKey, salt), iv, {
    authTagLength: TAG_BYTES,
  });
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return {
    value: [FORMAT, salt, iv, ciphertext, tag].map((part) => part.toString('hex')).join(':'),
    encrypted: true,
  };
}

function decrypt(key: Buffer, ivHex: string, dataHex: string, tagHex: string): string | null {
  const hex = /^(?:[0-9a-f]{2})*$/;
  if (![ivHex, dataHex, tagHex].every((part) => hex.test(part))) return null;
  const iv = Buffer.from(ivHex, 'hex');
  const tag = Buffer.from(tagHex, 'hex');
  // A shorter tag would make forgery easier: only the full 16 bytes are accepted.
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return null;
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(dataHex, 'hex')), decipher.final()]).toString(
      'utf8'
    );
  } catch {
    return null;
  }
}

/** The secret, or null when it cannot be decrypted (the encryption key changed or is gone). */
export function openSecret(stored: StoredSecret, encryptionKey: string | undefined): string | null {
  if (!stored.encrypted) return stored.value;
  if (!encryptionKey) return null;
  const parts = stored.value.split(':');
  if (parts[0] === FORMAT && parts.length === 5) {
    const [, saltHex, ivHex, dataHex, tagHex] = parts;
    if (!/^[0-9a-f]{32}$/.test(saltHex)) return null;
    return decrypt(deriveKey(encryptionKey, Buffer.from(saltHex, 'hex')), ivHex, dataHex, tagHex);
  }
  if (parts[0] === LEGACY_FORMAT && parts.length === 4) {
    const [, ivHex, dataHex, tagHex] = parts;
    return decrypt(legacyKey(encryptionKey), ivHex, dataHex, tagHex);
  }
  return null;
}

/** Whether a stored secret is encrypted in the current format. */
export function isSealed(stored: StoredSecret): boolean {
  return stored.encrypted && stored.value.startsWith(`${FORMAT}:`);
}

/**
 * The stored secret rewritten in the current format when it is not (stored in clear before
 * `ENCRYPTION_KEY` existed, or in the older format); undefined when nothing is to be done or it
 * cannot be read.
 */
export function resealed(
  stored: StoredSecret | undefined,
  encryptionKey: string | undefined
): StoredSecret | undefined {
  if (!stored || !encryptionKey || isSealed(stored)) return undefined;
  const secret = openSecret(stored, encryptionKey);
  return secret === null ? undefined : sealSecret(secret, encryptionKey);
}
