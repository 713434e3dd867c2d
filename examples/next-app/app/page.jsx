// Rendered on the server for each request: the communities and the user's chat token are asked
// for here, with the JWT from the httpOnly cookie, and handed to the client component.
import { getChatToken } from 'iflychat-strapi-kit/client';

import Chat from './chat';
import SignIn from './sign-in';
import { jwtFromCookie, STRAPI_URL, strapi } from './strapi';

export const dynamic = 'force-dynamic';

// Hosts besides cdn.iflychat.com the widget may come from (the local emulator in the demo).
const allowedScriptHosts = (process.env.WIDGET_HOSTS ?? '').split(',').filter(Boolean);

export default async function Page() {
  const jwt = await jwtFromCookie();
  if (!jwt) return <SignIn />;
  const [{ data: communities }, token] = await Promise.all([
    strapi('/api/communities?sort=name', jwt),
    getChatToken({ strapiUrl: STRAPI_URL, jwt }),
  ]);
  return (
    <Chat
      communities={communities.map(({ documentId, name, roomId }) => ({
        documentId,
        name,
        roomId,
      }))}
      token={token}
      allowedScriptHosts={allowedScriptHosts}
    />
  );
}
