'use strict';

/**
 * What the test processes (publisher.js, storm.js) share: the playground booted from
 * IFLYCHAT_DIST_DIR, one JSON report a line on stdout, the stop flag, and, once their own work is
 * done, the link rows' counts by status every 250 ms until SIGTERM.
 *
 * Strapi's own SIGTERM handler (from createStrapi) runs strapi.destroy() — the plugin's destroy
 * lets running jobs finish — and exits 0. These processes only stop their own loops, and ignore
 * what a query of theirs says once Strapi is shutting down under them.
 */
const path = require('node:path');

const { createStrapi } = require('@strapi/strapi');

const say = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);

/** Boots Strapi, runs `work(strapi, stopped)`, then reports the link counts until stopped. */
function runInstance(work) {
  let stopping = false;
  const stopped = () => stopping;

  async function main() {
    const strapi = createStrapi({
      appDir: path.resolve(__dirname, '..', '..', 'playground'),
      distDir: process.env.IFLYCHAT_DIST_DIR,
      serveAdminPanel: false,
      autoReload: false,
    });
    await strapi.load();
    say({ ready: true, pid: process.pid });
    process.on('SIGTERM', () => {
      stopping = true;
    });

    await work(strapi, stopped);
    say({ done: true });

    const links = strapi.db.query('plugin::iflychat.room-link');
    const statuses = ['pending', 'processing', 'retrying', 'created', 'failed'];
    while (!stopping) {
      const counts = {};
      for (const status of statuses) counts[status] = await links.count({ where: { status } });
      say({ links: counts });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  main().then(
    () => {
      // Stopping: Strapi's signal handler exits once destroy() is done.
    },
    (error) => {
      if (stopping) return;
      process.stderr.write(`${error.stack ?? error}\n`);
      process.exit(1);
    }
  );
}

module.exports = { runInstance, say };
