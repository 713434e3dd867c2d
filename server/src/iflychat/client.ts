/**
 * The iFlyChat HTTP client: the only code in the plugin that talks to iFlyChat. Its room calls
 * and {@link IflychatClient.request} all go through the one request function of `./request`.
 */
import { createHash } from 'node:crypto';

import { DEFAULT_MAX_LIST_RESPONSE_BYTES } from '../../../contracts/config';
import { asText } from '../utils/text';
import { callPath } from './catalogue';
import { createRequester, type IflychatClientOptions, type RequestParams } from './request';

export {
  createHttpAgent,
  createHttpsAgent,
  parseRetryAfter,
  proxyConfig,
  USER_AGENT,
  type IflychatClientOptions,
  type RequestOptions,
  type RequestParams,
} from './request';

export interface RoomParams {
  name: string;
  /** iFlyChat role identifier; `'0'` means all users. */
  role: string;
  private: boolean;
  moderate: boolean;
}

export interface RoomSummary {
  roomId: string;
  name: string;
  role: string;
  private: boolean;
  moderate: boolean;
}

function roomFields(room: RoomParams): Record<string, string> {
  return {
    room_name: room.name,
    room_role: room.role,
    room_private: room.private ? '1' : '0',
    room_moderate: room.moderate ? '1' : '0',
  };
}

/** A room from `rooms/list`, or none when it has no usable room id. */
function roomSummary(room: unknown): RoomSummary[] {
  if (!isRecord(room)) return [];
  const roomId = parseRoomId(room.room_id);
  if (!roomId) return [];
  return [
    {
      roomId,
      name: asText(room.room_name),
      role: asText(room.room_role),
      private: isOne(room.room_private),
      moderate: isOne(room.room_moderate),
    },
  ];
}

export function createIflychatClient(options: IflychatClientOptions) {
  const { request, invalid, maxResponseBytes } = createRequester(options);
  const maxListResponseBytes = Math.max(
    maxResponseBytes,
    options.maxListResponseBytes ?? DEFAULT_MAX_LIST_RESPONSE_BYTES
  );
  const version = options.apiVersion;

  function expectSuccess(path: string, answer: unknown): void {
    if (!isRecord(answer) || (answer.success !== true && answer.success !== 'true')) {
      throw invalid(path, 200, answer, '"success": true');
    }
  }

  const post = (path: string, params: RequestParams) => request(path, params);

  return {
    apiVersion: version,

    /**
     * Who this client talks to, as whom: the API version, the base URL and a digest of the key.
     * A new timeout or size cap makes a new client with the same identity.
     */
    identity: [
      version,
      options.baseUrl,
      createHash('sha256').update(options.apiKey).digest('hex').slice(0, 16),
    ].join('|'),
    /**
     * Any other iFlyChat call (`/api/1.1/token/generate`...), under the same rules as the room
     * calls: base URL, deadline, size cap, agent, proxy, redaction.
     */
    request,

    /** `POST /api/{v}/room/create` → the new room's id. */
    async createRoom(room: RoomParams): Promise<{ roomId: string }> {
      const path = callPath('room.create', version);
      const answer = await post(path, roomFields(room));
      const roomId = isRecord(answer) ? parseRoomId(answer.room_id) : undefined;
      if (!roomId) throw invalid(path, 200, answer, 'a positive integer room_id');
      return { roomId };
    },

    /** `POST /api/{v}/room/{id}/edit`. */
    async editRoom(roomId: string, room: RoomParams): Promise<void> {
      const path = callPath('room.edit', version, { roomId });
      expectSuccess(path, await post(path, roomFields(room)));
    },

    /** `POST /api/{v}/room/{id}/delete`. */
    async deleteRoom(roomId: string): Promise<void> {
      const path = callPath('room.delete', version, { roomId });
      expectSuccess(path, await post(path, {}));
    },

    /** `POST /api/{v}/rooms/list`. */
    async listRooms(): Promise<RoomSummary[]> {
      const path = callPath('rooms.list', version);
      const answer = await request(path, {}, { maxResponseBytes: maxListResponseBytes });
      if (!isRecord(answer) || !Array.isArray(answer.rooms)) {
        throw invalid(path, 200, answer, 'a "rooms" list');
      }
      return answer.rooms.flatMap(roomSummary);
    },
  };
}

export type IflychatClient = ReturnType<typeof createIflychatClient>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isOne(value: unknown): boolean {
  return value === 1 || value === '1' || value === true;
}

/** iFlyChat room ids are positive integers; they are kept as decimal strings. */
export function parseRoomId(value: unknown): string | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value > 0 ? String(value) : undefined;
  }
  if (typeof value === 'string' && /^[1-9]\d{0,18}$/.test(value.trim())) {
    return value.trim();
  }
  return undefined;
}
