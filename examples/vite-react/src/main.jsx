// A React 19 page (in StrictMode) that signs a site user in with Strapi's Users & Permissions and
// shows every Community's room through one chat session: one token request for all of them,
// with iFlyChat's popup chat docked at the bottom and a "message a member" form for it.
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import {
  IflychatPopup,
  IflychatProvider,
  IflychatRoom,
  useIflychat,
} from 'iflychat-strapi-kit/react';

const strapiUrl = import.meta.env.VITE_STRAPI_URL ?? 'http://localhost:1337';
// Hosts besides cdn.iflychat.com the widget may come from (the local emulator in the demo).
const allowedScriptHosts = (import.meta.env.VITE_WIDGET_HOSTS ?? '').split(',').filter(Boolean);

async function strapi(path, { jwt, ...init } = {}) {
  const response = await fetch(`${strapiUrl}${path}`, {
    ...init,
    headers: {
      'Content-Type': 'application/json',
      ...(jwt ? { Authorization: `Bearer ${jwt}` } : {}),
    },
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
  return body;
}

function SignIn({ onSignedIn }) {
  const [error, setError] = useState('');
  const submit = (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    strapi('/api/auth/local', {
      method: 'POST',
      body: JSON.stringify({ identifier: form.get('identifier'), password: form.get('password') }),
    })
      .then(({ jwt }) => onSignedIn(jwt))
      .catch((e) => setError(e.message));
  };
  return (
    <form onSubmit={submit}>
      <input name="identifier" aria-label="Username" placeholder="Username" />
      <input name="password" aria-label="Password" type="password" placeholder="Password" />
      <button type="submit">Sign in</button>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}

function SignOut({ onSignedOut }) {
  const chat = useIflychat();
  return (
    <button type="button" onClick={() => void chat.signOut().finally(onSignedOut)}>
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

function Rooms({ jwt }) {
  const [communities, setCommunities] = useState([]);
  useEffect(() => {
    strapi('/api/communities?sort=name', { jwt }).then(({ data }) => setCommunities(data));
  }, [jwt]);
  return communities.map((community) => (
    <section key={community.documentId} data-community={community.name}>
      <h2>{community.name}</h2>
      <IflychatRoom roomId={community.roomId} height={220} />
    </section>
  ));
}

function App() {
  const [jwt, setJwt] = useState(() => sessionStorage.getItem('jwt'));
  const [error, setError] = useState('');
  if (!jwt) {
    return (
      <SignIn
        onSignedIn={(value) => {
          sessionStorage.setItem('jwt', value);
          setJwt(value);
        }}
      />
    );
  }
  return (
    <IflychatProvider
      strapiUrl={strapiUrl}
      jwt={jwt}
      allowedScriptHosts={allowedScriptHosts}
      onError={(e) => setError(e.message)}
    >
      <SignOut
        onSignedOut={() => {
          sessionStorage.removeItem('jwt');
          setJwt(null);
        }}
      />
      {error && <p role="alert">{error}</p>}
      <MessageMember />
      <Rooms jwt={jwt} />
      <IflychatPopup />
    </IflychatProvider>
  );
}

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <App />
  </StrictMode>
);
