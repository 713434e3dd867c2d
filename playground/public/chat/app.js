// The demo's public chat page: a site user signs in with Users & Permissions, and each
// Community's room is embedded with the front-end kit (iflychat-strapi-kit/client): one chat
// session for the page, whatever the number of rooms.
import { createChatSession } from '/chat/kit/client.js';
import { widgetHosts } from '/chat/kit/widget-hosts.js';

const strapiUrl = window.location.origin;
const $ = (selector) => document.querySelector(selector);
let chat = null;

function say(text) {
  $('#status').textContent = text;
}

async function api(path, jwt, init = {}) {
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

function roomCard(community, note) {
  const card = document.createElement('article');
  card.className = 'room';
  card.setAttribute('data-community', community.name);
  const title = document.createElement('h3');
  title.textContent = community.name;
  const detail = document.createElement('p');
  detail.textContent = note;
  const room = document.createElement('div');
  card.append(title, detail, room);
  if (community.roomId === null || community.roomId === undefined) {
    detail.textContent = `${note} · the room is being created, reload in a moment`;
  } else {
    chat
      .embed(room, String(community.roomId), { height: '220px' })
      .catch((error) => say(`Could not open the room: ${error.message}`));
  }
  return card;
}

async function show(jwt) {
  const me = await api('/api/users/me?populate=role', jwt);
  const roleType = me.role?.type;
  $('#who').textContent = `Signed in as ${me.username} (${me.role?.name ?? 'no role'}).`;
  $('#sign-in').hidden = true;
  $('#sign-out').hidden = false;

  chat = createChatSession({ strapiUrl, jwt, allowedScriptHosts: widgetHosts });
  await chat.start();
  const { data } = await api(
    '/api/communities?populate[audience][fields][0]=type&populate[audience][fields][1]=name&sort=name',
    jwt
  );
  const mine = $('#mine .rooms');
  const others = $('#others .rooms');
  mine.replaceChildren();
  others.replaceChildren();
  for (const community of data) {
    const audience = community.audience;
    const forMe = !audience || audience.type === roleType;
    const note = audience ? `for ${audience.name}` : 'for everyone';
    (forMe ? mine : others).append(roomCard(community, note));
  }
  $('#mine').hidden = false;
  $('#others').hidden = others.children.length === 0;
  say('');
}

$('#sign-in').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = new FormData(event.currentTarget);
  say('Signing in…');
  api('/api/auth/local', null, {
    method: 'POST',
    body: JSON.stringify({ identifier: form.get('identifier'), password: form.get('password') }),
  })
    .then(({ jwt }) => {
      sessionStorage.setItem('demo-jwt', jwt);
      return show(jwt);
    })
    .catch((error) => say(`Could not sign in: ${error.message}`));
});

$('#sign-out').addEventListener('click', () => {
  sessionStorage.removeItem('demo-jwt');
  // Out of the chat too (the widget's globals and its token in iFlyChat), then a fresh page.
  (chat ? chat.signOut() : Promise.resolve())
    .catch(() => undefined)
    .finally(() => window.location.reload());
});

const saved = sessionStorage.getItem('demo-jwt');
if (saved) show(saved).catch((error) => say(`Could not load the rooms: ${error.message}`));
