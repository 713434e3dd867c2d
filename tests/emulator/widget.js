// @ts-check
'use strict';

/**
 * A stand-in for iFlyChat's widget script (`/js/iflychat-v2.min.js`), served by the emulator so
 * the whole chain (site user → plugin token → widget → room) can be seen and tested in a browser.
 * It reads the globals a page sets (`iflychat_app_id`, `iflychat_auth_token`), asks the emulator
 * who the token is for, and renders into every `.iflychat-embed` element: the app id, the user,
 * their roles, the room and its role, and whether those roles let the user in.
 */

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
  window.iflychat_emulator_widget = { render: render, loads: ((window.iflychat_emulator_widget || {}).loads || 0) + 1 };
  function renderAll() {
    document.querySelectorAll('.iflychat-embed').forEach(render);
  }
  renderAll();
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      change.addedNodes.forEach(function (node) {
        if (node.nodeType !== 1) return;
        if (node.matches('.iflychat-embed')) render(node);
        node.querySelectorAll('.iflychat-embed').forEach(render);
      });
    });
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
`;

/**
 * Serves the script and the session lookup; returns false for any other request.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {URL} url
 * @param {{ tokens: { describe(key: string, roomId: number | undefined): unknown } }} context
 */
async function serveWidget(req, res, url, context) {
  if (req.method !== 'GET') return false;
  if (url.pathname === '/js/iflychat-v2.min.js') {
    res.writeHead(200, {
      'Content-Type': 'application/javascript; charset=utf-8',
      'Access-Control-Allow-Origin': '*',
      'Cache-Control': 'no-store',
    });
    res.end(WIDGET_SOURCE);
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

module.exports = { serveWidget, WIDGET_SOURCE };
