// Server-only helpers: where Strapi is, and the user's Strapi JWT, kept in an httpOnly cookie
// that the browser's scripts never see.
import { cookies } from 'next/headers';

export const STRAPI_URL = process.env.STRAPI_URL ?? 'http://localhost:1337';
export const JWT_COOKIE = 'strapi_jwt';

export async function jwtFromCookie() {
  return (await cookies()).get(JWT_COOKIE)?.value ?? null;
}

/** A call to Strapi's REST API with the user's JWT; throws with Strapi's message. */
export async function strapi(path, jwt, init = {}) {
  const response = await fetch(`${STRAPI_URL}${path}`, {
    ...init,
    cache: 'no-store',
    headers: {
      'Content-Type': 'application/json',
      ...(jwt ? { Authorization: `Bearer ${jwt}` } : {}),
    },
  });
  if (response.status === 204) return null;
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error(body?.error?.message ?? `Strapi answered HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return body;
}
