// @ts-check
'use strict';

/**
 * A stand-in for iFlyChat's widget script (`/js/iflychat-v2.min.js`), served by the emulator so
 * the whole chain (site user → plugin token → widget → room) can be seen and tested in a browser.
 * It reads the globals a page sets (`iflychat_app_id`, `iflychat_auth_token`), asks the emulator
 * who the token is for, and renders into every `.iflychat-embed` element: the app id, the user,
 * their roles, the room and its role, and whether those roles let the user in. Into an
 * `.iflychat-popup` element (iFlyChat's popup chat) it renders a docked panel with the user.
 * Where the account's plan has it (`plan.jsSdk`, the default), it defines iFlyChat's JavaScript
 * SDK, `window.iflychat.startChat({ id, name, state })`, which opens a chat window in the popup
 * and tells the emulator (`startedChats`); without it `window.iflychat` is not defined.
 */

/**
 * @typedef {object} StartedChat
 * @property {string} id
 * @property {string | null} name
 * @property {string} state
 * @property {string | null} from
 */

const SDK_SOURCE = `
  window.iflychat = {
    startChat: function (call) {
      if (!call || typeof call.id !== 'string' || !call.id) throw new Error('startChat needs an id');
      var query = 'id=' + encodeURIComponent(call.id) + '&name=' + encodeURIComponent(call.name || '') +
        '&state=' + encodeURIComponent(call.state || 'open') +
        '&token=' + encodeURIComponent(window.iflychat_auth_token || '');
      fetch(origin + '/__widget/start-chat?' + query);
      var popup = document.querySelector('.iflychat-popup');
      if (!popup) return;
      var win = text(popup, 'div', 'Chat with ' + (call.name || call.id), 'chat-window');
      win.setAttribute('data-chat-id', call.id);
      win.setAttribute('data-chat-state', call.state || 'open');
    },
    on: function () {},
  };
`;

const WIDGET_SOURCE = `(function () {
  var script = document.currentScript;
  var origin = script ? new URL(script.src, location.href).origin : '';
  function text(el, tag, value, name) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (name) node.setAttribute('data-iflychat', name);
    el.appendChild(node);
    return node;
  }
  function render(el) {
    var roomId = el.getAttribute('data-room-id');
    var token = window.iflychat_auth_token || '';
    var url = origin + '/__widget/session?room=' + encodeURIComponent(roomId || '') +
      '&token=' + encodeURIComponent(token);
    fetch(url).then(function (r) { return r.json(); }).then(function (info) {
      el.textContent = '';
      el.setAttribute('data-iflychat-rendered', 'true');
      el.setAttribute('data-iflychat-allowed', info.allowed ? 'true' : 'false');
      el.style.border = '1px solid #dcdce4';
      el.style.padding = '8px';
      el.style.height = el.getAttribute('data-height') || '';
      el.style.width = el.getAttribute('data-width') || '';
      text(el, 'strong', 'iFlyChat (emulator) room ' + roomId, 'title');
      text(el, 'div', 'app id: ' + (window.iflychat_app_id || '(none)'), 'app-id');
      text(el, 'div', 'user: ' + (info.user ? info.user.name + ' (' + info.user.id + ', ' + info.user.chatRole + ')' : 'guest'), 'user');
      var roles = Object.keys(info.roles).map(function (k) { return k + '=' + info.roles[k]; });
      text(el, 'div', 'user roles: ' + (roles.length ? roles.join(', ') : '(none)'), 'roles');
      text(el, 'div', 'room role: ' + (info.room ? info.room.role : '(no such room)'), 'room-role');
      text(el, 'div', info.allowed ? 'Allowed: your roles include this room\\'s role' : 'Not allowed: your roles do not include this room\\'s role', 'verdict');
    }).catch(function (error) {
      el.textContent = 'iFlyChat (emulator) could not load: ' + error;
    });
  }
  function renderPopup(el) {
    var token = window.iflychat_auth_token || '';
    fetch(origin + '/__widget/session?room=&token=' + encodeURIComponent(token)).then(function (r) { return r.json(); }).then(function (info) {
      el.setAttribute('data-iflychat-rendered', 'true');
      el.style.cssText = 'position:fixed;right:16px;bottom:0;width:280px;border:1px solid #dcdce4;background:#fff;padding:8px';
      var head = el.querySelector('[data-iflychat="popup-user"]') || text(el, 'strong', '', 'popup-user');
      head.textContent = 'iFlyChat (emulator) popup: ' + (info.user ? info.user.name + ' (' + info.user.id + ')' : 'guest');
    });
  }
  var previous = window.iflychat_emulator_widget;
  if (previous && previous.observer) previous.observer.disconnect();
  function renderAll(root) {
    if (root.matches && root.matches('.iflychat-embed')) render(root);
    if (root.matches && root.matches('.iflychat-popup')) renderPopup(root);
    root.querySelectorAll('.iflychat-embed').forEach(render);
    root.querySelectorAll('.iflychat-popup').forEach(renderPopup);
  }
  renderAll(document);
  var observer = new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      change.addedNodes.forEach(function (node) {
        if (node.nodeType === 1) renderAll(node);
      });
    });
  });
  observer.observe(document.documentElement, { childList: true, subtree: true });
  window.iflychat_emulator_widget = { render: render, observer: observer, loads: ((previous || {}).loads || 0) + 1 };
  /*SDK*/
})();
`;

/** The widget's source, with iFlyChat's JavaScript SDK or without it. */
const widgetSource = (/** @type {boolean} */ jsSdk) =>
  WIDGET_SOURCE.replace('/*SDK*/', jsSdk ? SDK_SOURCE : '');

/**
 * Serves the script and the session lookup; returns false for any other request.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {URL} url
 * @param {{ state: { plan: { jsSdk?: boolean }, startedChats: StartedChat[] }, tokens: { describe(key: string, roomId: number | undefined): { user: { id: string } | null } } }} context
 */
async function serveWidget(req, res, url, context) {
  if (req.method !== 'GET') return false;
  if (url.pathname === '/js/iflychat-v2.min.js') {
    res.writeHead(200, {
      'Content-Type': 'application/javascript; charset=utf-8',
      'Access-Control-Allow-Origin': '*',
      'Cache-Control': 'no-store',
    });
    res.end(widgetSource(context.state.plan.jsSdk !== false));
    return true;
  }
  if (url.pathname === '/__widget/start-chat') {
    const from = context.tokens.describe(url.searchParams.get('token') ?? '', undefined).user;
    context.state.startedChats.push({
      id: url.searchParams.get('id') ?? '',
      name: url.searchParams.get('name') || null,
      state: url.searchParams.get('state') ?? '',
      from: from ? from.id : null,
    });
    res.writeHead(204, { 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-store' });
    res.end();
    return true;
  }
  if (url.pathname === '/__widget/session') {
    const room = Number(url.searchParams.get('room'));
    const info = context.tokens.describe(
      url.searchParams.get('token') ?? '',
      Number.isSafeInteger(room) && room > 0 ? room : undefined
    );
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Access-Control-Allow-Origin': '*',
      'Cache-Control': 'no-store',
    });
    res.end(JSON.stringify(info));
    return true;
  }
  return false;
}

module.exports = { serveWidget, widgetSource };
