'use strict';

/**
 * A Strapi instance in its own process for the chat-token revocation tests: it boots the
 * playground from IFLYCHAT_DIST_DIR (its token revoker running, as on a site) and carries out
 * the commands the test writes on its stdin, one JSON object a line, answering each on stdout as
 * {"r<id>": result} (or {"r<id>": {"error": message}}):
 *
 * - {"id", "op": "user", "username"}: creates an Authenticated user (the token route enabled for
 *   Authenticated), answers its id;
 * - {"id", "op": "issue", "userId"}: the user's chat token, as POST /api/iflychat/token gives it;
 * - {"id", "op": "block", "userId"}: blocks the user through Users & Permissions.
 */
const readline = require('node:readline');

const { runInstance, say } = require('./instance');

const USER = 'plugin::users-permissions.user';
const ACTION = 'plugin::iflychat.token.generate';

async function authenticatedRole(strapi) {
  const role = await strapi.db
    .query('plugin::users-permissions.role')
    .findOne({ where: { type: 'authenticated' } });
  const permissions = strapi.db.query('plugin::users-permissions.permission');
  if (!(await permissions.findOne({ where: { action: ACTION, role: role.id } }))) {
    await permissions.create({ data: { action: ACTION, role: role.id } });
  }
  return role.id;
}

const commands = {
  async user(strapi, { username }) {
    const role = await authenticatedRole(strapi);
    const user = await strapi
      .plugin('users-permissions')
      .service('user')
      .add({
        username,
        email: `${username}@example.com`,
        password: 'Site-User-Pass-1',
        provider: 'local',
        confirmed: true,
        blocked: false,
        role,
      });
    return user.id;
  },
  async issue(strapi, { userId }) {
    const user = await strapi.db.query(USER).findOne({ where: { id: userId }, populate: ['role'] });
    return (await strapi.plugin('iflychat').service('tokens').issue(user)).token;
  },
  async block(strapi, { userId }) {
    await strapi.plugin('users-permissions').service('user').edit(userId, { blocked: true });
    return true;
  },
};

runInstance(async (strapi) => {
  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const command = JSON.parse(line);
    commands[command.op](strapi, command).then(
      (result) => say({ [`r${command.id}`]: result }),
      (error) => say({ [`r${command.id}`]: { error: error.message } })
    );
  });
});
