// The user's iFlyChat token, asked for on the server with the JWT from the httpOnly cookie
// (getChatToken), and the chat sign-out: what the page's getToken and revoke call.
import { getChatToken, IflychatKitError } from 'iflychat-strapi-kit/client';

import { jwtFromCookie, STRAPI_URL, strapi } from '../../strapi';

const signedOut = () => Response.json({ error: { message: 'not signed in' } }, { status: 401 });

export async function POST() {
  const jwt = await jwtFromCookie();
  if (!jwt) return signedOut();
  try {
    const token = await getChatToken({ strapiUrl: STRAPI_URL, jwt });
    return Response.json(token, { headers: { 'Cache-Control': 'no-store' } });
  } catch (error) {
    const status = error instanceof IflychatKitError && error.status ? error.status : 502;
    return Response.json({ error: { message: error.message } }, { status });
  }
}

export async function DELETE() {
  const jwt = await jwtFromCookie();
  if (!jwt) return signedOut();
  await strapi('/api/iflychat/token', jwt, { method: 'DELETE' });
  return new Response(null, { status: 204 });
}
