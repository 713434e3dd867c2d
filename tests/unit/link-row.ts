/** A link row for unit tests: a pending sync job of one community, with no room yet. */
import type { RoomLink } from '../../server/src/sync/job-state';

export function linkRow(overrides: Partial<RoomLink> = {}): RoomLink {
  return {
    id: 7,
    documentId: 'link7',
    linkKey: 'api::community.community:doc1:*',
    contentType: 'api::community.community',
    entryDocumentId: 'doc1',
    entryLocale: '*',
    operation: 'sync',
    status: 'pending',
    roomId: null,
    roomName: null,
    roomRole: null,
    roomPrivate: null,
    roomModerate: null,
    attempts: 0,
    fence: 3,
    runAgain: false,
    lastError: null,
    mayHaveCreated: false,
    nextAttemptAt: null,
    leaseExpiresAt: null,
    syncedAt: null,
    ...overrides,
  };
}
