/** Secrets at rest: AES-256-GCM, HKDF, a pinned 16-byte tag, and the older format still read. */
import crypto from 'node:crypto';

import { isSealed, openSecret, resealed, sealSecret } from '../../server/src/settings/secrets';

const KEY = 'strapi-encryption-key';

describe('secrets at rest', () => {
  it('seals in the v2 format and opens again', () => {
    const sealed = sealSecret('the-api-key', KEY);
    expect(sealed.value).toMatch(/^v2:[0-9a-f]{32}:[0-9a-f]{24}:[0-9a-f]+:[0-9a-f]{32}$/);
    expect(isSealed(sealed)).toBe(true);
    expect(openSecret(sealed, KEY)).toBe('the-api-key');
    expect(openSecret(sealed, 'another-key')).toBeNull();
    expect(openSecret(sealed, undefined)).toBeNull();
  });

  it('a random salt and IV each time', () => {
    expect(sealSecret('same', KEY).value).not.toBe(sealSecret('same', KEY).value);
  });

  it('refuses a shortened tag, a bad IV and tampered data', () => {
    const sealed = sealSecret('the-api-key', KEY);
    const [format, salt, iv, data, tag] = sealed.value.split(':');
    const open = (...parts: string[]) =>
      openSecret({ value: parts.join(':'), encrypted: true }, KEY);
    expect(open(format, salt, iv, data, tag.slice(0, 8))).toBeNull();
    expect(open(format, salt, iv, data, tag.slice(0, 24))).toBeNull();
    expect(open(format, salt, iv.slice(0, 16), data, tag)).toBeNull();
    const flipped = (parseInt(data.slice(0, 2), 16) ^ 1).toString(16).padStart(2, '0');
    expect(open(format, salt, iv, flipped + data.slice(2), tag)).toBeNull();
    expect(open(format, 'zz', iv, data, tag)).toBeNull();
    expect(open('v9', salt, iv, data, tag)).toBeNull();
  });

  it('reads the v1 format of 0.1, with its full tag only, and reseals it as v2', () => {
    const key = crypto.createHash('sha256').update(`iflychat:${KEY}`).digest();
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
    const data = Buffer.concat([cipher.update('old-key', 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag().toString('hex');
    const v1 = {
      value: ['v1', iv.toString('hex'), data.toString('hex'), tag].join(':'),
      encrypted: true,
    };
    expect(openSecret(v1, KEY)).toBe('old-key');
    expect(openSecret({ ...v1, value: v1.value.slice(0, -8) }, KEY)).toBeNull();
    const upgraded = resealed(v1, KEY);
    expect(upgraded && isSealed(upgraded)).toBe(true);
    expect(upgraded && openSecret(upgraded, KEY)).toBe('old-key');
  });

  it('a secret in clear is sealed once a key exists; nothing to do without one', () => {
    const plain = sealSecret('plain-key', undefined);
    expect(plain).toEqual({ value: 'plain-key', encrypted: false });
    expect(resealed(plain, undefined)).toBeUndefined();
    const upgraded = resealed(plain, KEY);
    expect(upgraded && openSecret(upgraded, KEY)).toBe('plain-key');
    expect(resealed(sealSecret('x', KEY), KEY)).toBeUndefined();
  });
});
