'use strict';

/**
 * A Strapi instance in its own process, for the crash and multi-instance tests.
 *
 * It boots the playground from IFLYCHAT_DIST_DIR, publishes communities named
 * "<IFLYCHAT_PREFIX> 0" … "<IFLYCHAT_PREFIX> N-1" (IFLYCHAT_COUNT) — skipping those already
 * published, publishing those left as drafts, pausing IFLYCHAT_PUBLISH_PAUSE_MS between two —,
 * then imports IFLYCHAT_IMPORT_COUNT more (default none), "<IFLYCHAT_PREFIX> import 0" …, whose
 * published rows it writes with the query engine, as an import script would (no Document Service
 * event reports them: only the audit finds them), and then keeps running its room worker and
 * audit.
 * It reports on stdout, one JSON object a line: {"ready"}, {"published": n}, {"done"},
 * and every 250 ms {"links": {status: count}} once done. SIGTERM shuts it down cleanly.
 */
const { runInstance, say } = require('./instance');

const COMMUNITY = 'api::community.community';

runInstance(async (strapi, stopped) => {
  const prefix = process.env.IFLYCHAT_PREFIX;
  const count = Number(process.env.IFLYCHAT_COUNT);
  const pause = Number(process.env.IFLYCHAT_PUBLISH_PAUSE_MS ?? 0);
  const role = await strapi.db
    .query('plugin::users-permissions.role')
    .findOne({ where: { type: 'authenticated' } });
  const documents = strapi.documents(COMMUNITY);

  for (let i = 0; i < count && !stopped(); i += 1) {
    const name = `${prefix} ${i}`;
    const existing = await strapi.db.query(COMMUNITY).findMany({ where: { name } });
    if (existing.some((row) => row.publishedAt)) continue;
    const documentId =
      existing[0]?.documentId ??
      (await documents.create({ data: { name, audience: role.id } })).documentId;
    await documents.publish({ documentId });
    say({ published: i + 1 });
    if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
  }
  const imports = Number(process.env.IFLYCHAT_IMPORT_COUNT ?? 0);
  for (let i = 0; i < imports && !stopped(); i += 1) {
    const name = `${prefix} import ${i}`;
    const existing = await strapi.db.query(COMMUNITY).findMany({ where: { name } });
    if (existing.some((row) => row.publishedAt)) continue;
    const documentId =
      existing[0]?.documentId ??
      (await documents.create({ data: { name, audience: role.id } })).documentId;
    await strapi.db.query(COMMUNITY).create({
      data: { documentId, name, audience: role.id, publishedAt: new Date() },
    });
  }
});
