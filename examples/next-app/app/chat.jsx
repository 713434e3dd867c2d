'use client';
// The rooms and the popup chat in one session. The token came with the page (fetched on the
// server); getToken renews it and revoke signs the chat out, both through the site's own route,
// so the Strapi JWT never reaches the browser.
import {
  IflychatPopup,
  IflychatProvider,
  IflychatRoom,
  useIflychat,
} from 'iflychat-strapi-kit/react';
import { useRouter } from 'next/navigation';
import { useState } from 'react';

async function getToken() {
  const response = await fetch('/api/chat-token', { method: 'POST' });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error.message);
  return body;
}

async function revoke() {
  await fetch('/api/chat-token', { method: 'DELETE' });
}

function SignOut() {
  const chat = useIflychat();
  const router = useRouter();
  const signOut = async () => {
    // The chat first, while the cookie still says who the user is; then the site.
    await chat.signOut().catch(() => undefined);
    await fetch('/api/session', { method: 'DELETE' });
    router.refresh();
  };
  return (
    <button type="button" onClick={() => void signOut()}>
      Sign out
    </button>
  );
}

// A member's iFlyChat user id is the plugin's userIdPrefix (`strapi-` by default) and their
// Strapi user id: a site takes it from its own data (an author, a member list).
function MessageMember() {
  const chat = useIflychat();
  const [error, setError] = useState('');
  const submit = (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    chat
      .startChat({ userId: form.get('member'), name: form.get('name') || undefined })
      .then(() => setError(''))
      .catch((e) => setError(e.message));
  };
  return (
    <form onSubmit={submit}>
      <input name="member" aria-label="Member's chat id" placeholder="strapi-12" />
      <input name="name" aria-label="Member's name" placeholder="Name" />
      <button type="submit">Message</button>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}

export default function Chat({ communities, token, allowedScriptHosts }) {
  const [error, setError] = useState('');
  return (
    <IflychatProvider
      token={token}
      getToken={getToken}
      revoke={revoke}
      allowedScriptHosts={allowedScriptHosts}
      onError={(e) => setError(e.message)}
    >
      <SignOut />
      {error && <p role="alert">{error}</p>}
      <MessageMember />
      {communities.map((community) => (
        <section key={community.documentId} data-community={community.name}>
          <h2>{community.name}</h2>
          <IflychatRoom roomId={community.roomId} height={220} />
        </section>
      ))}
      <IflychatPopup />
    </IflychatProvider>
  );
}
