// A plain page: a site user signs in with Strapi's Users & Permissions, and every Community's
// room is embedded through one chat session (one token request for all of them), with iFlyChat's
// popup chat and a "message a member" form.
import { createChatSession } from 'iflychat-strapi-kit/client';

import { allowedScriptHosts, strapiUrl } from './config.js';

const $ = (selector) => document.querySelector(selector);
let chat = null;

function fail(error) {
  $('#error').textContent = error.message;
}

async function strapi(path, jwt, init = {}) {
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

function show(signedIn) {
  $('#sign-in').hidden = signedIn;
  $('#signed-in').hidden = !signedIn;
}

async function enter(jwt) {
  show(true);
  chat = createChatSession({ strapiUrl, jwt, allowedScriptHosts });
  const { data } = await strapi('/api/communities?sort=name', jwt);
  const sections = data.map((community) => {
    const section = document.createElement('section');
    section.setAttribute('data-community', community.name);
    const title = document.createElement('h2');
    title.textContent = community.name;
    const room = document.createElement('div');
    section.append(title, room);
    return { section, room, roomId: community.roomId };
  });
  $('#rooms').replaceChildren(...sections.map(({ section }) => section));
  // All of them share the session: one token request, one widget script.
  await Promise.all([
    chat.popup(),
    ...sections.map(({ room, roomId }) => chat.embed(room, roomId, { height: 220 })),
  ]);
}

$('#sign-in').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = new FormData(event.currentTarget);
  strapi('/api/auth/local', undefined, {
    method: 'POST',
    body: JSON.stringify({ identifier: form.get('identifier'), password: form.get('password') }),
  })
    .then(({ jwt }) => {
      sessionStorage.setItem('jwt', jwt);
      $('#error').textContent = '';
      return enter(jwt);
    })
    .catch(fail);
});

$('#sign-out').addEventListener('click', () => {
  // Before the JWT is thrown away: signOut asks Strapi to delete the chat token with it.
  chat
    .signOut()
    .catch(fail)
    .finally(() => {
      chat = null;
      sessionStorage.removeItem('jwt');
      $('#rooms').replaceChildren();
      show(false);
    });
});

// A member's iFlyChat user id is the plugin's userIdPrefix (`strapi-` by default) and their
// Strapi user id: a site takes it from its own data (an author, a member list).
$('#message').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = new FormData(event.currentTarget);
  chat
    .startChat({ userId: form.get('member'), name: form.get('name') || undefined })
    .then(() => {
      $('#error').textContent = '';
    })
    .catch(fail);
});

const jwt = sessionStorage.getItem('jwt');
if (jwt) enter(jwt).catch(fail);
else show(false);
