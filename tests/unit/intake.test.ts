/**
 * Intake's recording of publishes, with a fake store: whatever goes wrong with the transaction
 * a batch is written in (a collision with another writer, a transaction that cannot begin,
 * settings that cannot be read), the batch is written another way or reported, and the next
 * publishes are recorded as usual.
 */
import type { Core } from '@strapi/strapi';

import { bindingSchema } from '../../contracts/config';
import { createIntake } from '../../server/src/sync/intake';
import type { ClaimedJob } from '../../server/src/sync/job-state';
import type { LinkTarget, RoomLinks } from '../../server/src/sync/room-links';
import type { Entries } from '../../server/src/sync/entries';

const UID = 'api::community.community';
const binding = bindingSchema.parse({ roomName: '{name}', roomIdField: 'roomId' });

interface Queued {
  documentIds: string[];
  atomic: boolean;
}

function setup(
  faults: { transaction?: Error[]; queue?: Error[]; settings?: Error[] },
  { cached = false } = {}
) {
  const queued: Queued[] = [];
  const warnings: string[] = [];
  let claims = 0;
  let accepted = 0;
  let wakes = 0;
  const settings = {
    lastRead: () => {
      if (cached) return Promise.resolve({ contentTypes: { [UID]: binding } });
      const fault = faults.settings?.shift();
      return fault ? Promise.reject(fault) : Promise.resolve({ contentTypes: { [UID]: binding } });
    },
  };
  const strapi = {
    plugin: () => ({ service: () => settings }),
    db: {
      transaction: async <T>(work: () => Promise<T>): Promise<T> => {
        const fault = faults.transaction?.shift();
        if (fault) throw fault;
        return work();
      },
    },
    log: {
      warn: (message: string) => warnings.push(message),
      info: () => undefined,
      error: () => undefined,
    },
  } as unknown as Core.Strapi;
  const links = {
    queue: (_uid: string, targets: LinkTarget[], options: { atomic?: boolean }) => {
      const fault = options.atomic ? faults.queue?.shift() : undefined;
      if (fault) return Promise.reject(fault);
      queued.push({
        documentIds: targets.map((target) => target.documentId),
        atomic: Boolean(options.atomic),
      });
      return Promise.resolve({ inserted: targets.length, requeued: 0, waiting: 0 });
    },
  } as unknown as RoomLinks;
  const runner = {
    wake: () => {
      wakes += 1;
    },
    claimAhead: () => {
      claims += 1;
      return Promise.resolve([{ id: claims } as ClaimedJob]);
    },
    accept: () => {
      accepted += 1;
    },
  };
  const intake = createIntake({ strapi, links, entries: {} as Entries, runner });
  return {
    intake,
    queued,
    warnings,
    counts: () => ({ claims, accepted, wakes }),
  };
}

const uniqueViolation = Object.assign(new Error('UNIQUE constraint failed'), {
  code: 'SQLITE_CONSTRAINT_UNIQUE',
});

describe('intake', () => {
  it('writes a batch in one transaction and hands the first claimed jobs to the runner', async () => {
    const { intake, queued, counts } = setup({});
    await Promise.all([intake.onPublished(UID, 'a'), intake.onPublished(UID, 'b')]);
    expect(queued).toEqual([{ documentIds: ['a', 'b'], atomic: true }]);
    expect(counts()).toMatchObject({ claims: 1, accepted: 1 });
  });

  it('with the settings already read, begins the transaction without reading them again', async () => {
    const { intake, queued, counts } = setup(
      { settings: [new Error('not read')] },
      { cached: true }
    );
    await intake.onPublished(UID, 'a');
    expect(queued).toEqual([{ documentIds: ['a'], atomic: true }]);
    expect(counts()).toMatchObject({ claims: 1, accepted: 1 });
  });

  it('a collision with another writer: the batch is written again outside the transaction', async () => {
    const { intake, queued, counts, warnings } = setup({ queue: [uniqueViolation] });
    await intake.onPublished(UID, 'a');
    expect(queued).toEqual([{ documentIds: ['a'], atomic: false }]);
    expect(counts()).toMatchObject({ claims: 0, wakes: 1 });
    expect(warnings).toEqual([]);
  });

  it('a transaction that cannot begin: the batch is written without one, and later publishes are recorded', async () => {
    const { intake, queued, warnings } = setup({ transaction: [new Error('pool timeout')] });
    await intake.onPublished(UID, 'a');
    await intake.onPublished(UID, 'b');
    expect(queued).toEqual([
      { documentIds: ['a'], atomic: false },
      { documentIds: ['b'], atomic: true },
    ]);
    expect(warnings).toEqual(['[iflychat] publishes written one batch at a time: pool timeout']);
  });

  it('settings that cannot be read: the publish is reported, and later publishes are recorded', async () => {
    const { intake, queued } = setup({ settings: [new Error('database gone')] });
    await expect(intake.onPublished(UID, 'a')).rejects.toThrow('database gone');
    await intake.onPublished(UID, 'b');
    expect(queued).toEqual([{ documentIds: ['b'], atomic: true }]);
    await intake.settled();
  });
});
