'use strict';

/**
 * A Strapi instance in its own process that churns its share of communities, for the storm test.
 *
 * It boots the playground from IFLYCHAT_DIST_DIR and makes IFLYCHAT_STORM_OPS random changes,
 * drawn from IFLYCHAT_STORM_SEED, on IFLYCHAT_STORM_ENTRIES communities of its own: renames and
 * audience (role) changes of the draft (published at once or later), publishes, unpublishes,
 * deletes, and new documents in place of deleted ones. Entry i is the document whose description
 * is "<IFLYCHAT_PREFIX> #i" (its name changes), so a restarted process picks up where the last
 * one left off. It pauses up to IFLYCHAT_STORM_PAUSE_MS between two changes, then keeps running
 * its room worker and audit.
 * It reports on stdout, one JSON object a line: {"ready"}, {"seed"}, {"ops": n}, {"done"},
 * and every 250 ms {"links": {status: count}} once done. SIGTERM shuts it down cleanly.
 */
const { runInstance, say } = require('./instance');

const COMMUNITY = 'api::community.community';

/** The same generator as tests/helpers/assertions.ts's seededRandom. */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

runInstance(async (strapi, stopped) => {
  const prefix = process.env.IFLYCHAT_PREFIX;
  const entries = Number(process.env.IFLYCHAT_STORM_ENTRIES);
  const ops = Number(process.env.IFLYCHAT_STORM_OPS);
  const pause = Number(process.env.IFLYCHAT_STORM_PAUSE_MS ?? 0);
  const seed = Number(process.env.IFLYCHAT_STORM_SEED);
  say({ seed });
  const random = seededRandom(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];

  const roles = await strapi.db
    .query('plugin::users-permissions.role')
    .findMany({ where: { type: { $in: ['public', 'authenticated'] } } });
  const documents = strapi.documents(COMMUNITY);
  const nameOf = (i) => `${prefix} ${i} v${Math.floor(random() * 1000)}`;

  /** Draft changes: a rename or an audience change, published at once half the time. */
  async function change(documentId, data) {
    await documents.update({ documentId, data });
    if (random() < 0.5) await documents.publish({ documentId });
  }

  for (let op = 0; op < ops && !stopped(); op += 1) {
    const i = Math.floor(random() * entries);
    const key = `${prefix} #${i}`;
    const rows = await strapi.db.query(COMMUNITY).findMany({ where: { description: key } });
    const documentId = rows[0]?.documentId;
    const published = rows.some((row) => row.publishedAt);
    const roll = random();
    if (!documentId) {
      const made = await documents.create({
        data: { name: nameOf(i), description: key, audience: pick(roles).id },
      });
      if (roll < 0.7) await documents.publish({ documentId: made.documentId });
    } else if (roll < 0.3) {
      await change(documentId, { name: nameOf(i) });
    } else if (roll < 0.5) {
      await change(documentId, { audience: pick(roles).id });
    } else if (roll < 0.7) {
      await documents.publish({ documentId });
    } else if (roll < 0.88) {
      if (published) await documents.unpublish({ documentId });
      else await documents.publish({ documentId });
    } else {
      await documents.delete({ documentId });
    }
    say({ ops: op + 1 });
    if (pause > 0) await new Promise((resolve) => setTimeout(resolve, random() * pause));
  }
});
