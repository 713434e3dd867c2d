// Sign-in and sign-out of the site: the Strapi JWT goes into an httpOnly cookie, never to the page.
import { JWT_COOKIE, strapi } from '../../strapi';

export async function POST(request) {
  const { identifier, password } = await request.json().catch(() => ({}));
  if (typeof identifier !== 'string' || typeof password !== 'string') {
    return Response.json(
      { error: { message: 'identifier and password are needed' } },
      { status: 400 }
    );
  }
  try {
    const { jwt, user } = await strapi('/api/auth/local', null, {
      method: 'POST',
      body: JSON.stringify({ identifier, password }),
    });
    const response = Response.json({ username: user.username });
    const https =
      new URL(request.url).protocol === 'https:' ||
      request.headers.get('x-forwarded-proto') === 'https';
    response.headers.append(
      'Set-Cookie',
      `${JWT_COOKIE}=${jwt}; Path=/; HttpOnly; SameSite=Lax${https ? '; Secure' : ''}`
    );
    return response;
  } catch (error) {
    return Response.json({ error: { message: error.message } }, { status: error.status ?? 502 });
  }
}

export async function DELETE() {
  const response = new Response(null, { status: 204 });
  response.headers.append(
    'Set-Cookie',
    `${JWT_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`
  );
  return response;
}
