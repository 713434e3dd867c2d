/**
 * The iFlyChat HTTP client: the only code in the plugin that talks to iFlyChat.
 *
 * One axios instance per configuration (base URL, timeout, User-Agent), TLS verification left on,
 * no global interceptors. API 1.1 takes JSON bodies, API 1.0 form-encoded ones; both answer JSON.
 */
import axios, { type AxiosError, type AxiosInstance } from 'axios';

import type { ApiVersion } from '../../../contracts/config';
import { asText } from '../utils/text';
import { PLUGIN_VERSION } from '../version';
import { IflychatApiError, IflychatRequestError, IflychatTimeoutError } from './errors';

export interface IflychatClientOptions {
  apiKey: string;
  apiVersion: ApiVersion;
  baseUrl: string;
  timeoutMs: number;
}

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

export const USER_AGENT = `strapi-plugin-iflychat/${PLUGIN_VERSION}`;

/** Connection errors that prove the request never left this machine. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_INVALID_URL',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const MAX_BODY_CHARS = 500;

export function createIflychatClient(options: IflychatClientOptions) {
  const http: AxiosInstance = axios.create({
    baseURL: options.baseUrl,
    timeout: options.timeoutMs,
    headers: { 'User-Agent': USER_AGENT, Accept: 'application/json' },
    // Statuses and bodies are interpreted below, so axios hands over every answer as text.
    validateStatus: () => true,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    maxRedirects: 0,
  });

  const version = options.apiVersion;

  function redact(text: string): string {
    return options.apiKey ? text.split(options.apiKey).join('[redacted]') : text;
  }

  async function post(path: string, params: RequestParams): Promise<unknown> {
    const fields: Record<string, string | Record<string, string>> = { api_key: options.apiKey };
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined) fields[key] = value;
    }
    const body = version === '1.0' ? formEncode(fields) : fields;
    const contentType =
      version === '1.0' ? 'application/x-www-form-urlencoded' : 'application/json';

    let response;
    try {
      response = await http.post<string>(path, body, { headers: { 'Content-Type': contentType } });
    } catch (error) {
      throw toNetworkError(error as AxiosError, path, options.timeoutMs);
    }

    const text = typeof response.data === 'string' ? response.data : '';
    // What an error keeps of the answer: redacted and short.
    const excerpt = () => redact(text).slice(0, MAX_BODY_CHARS);
    if (response.status < 200 || response.status >= 300) {
      throw new IflychatApiError({
        path,
        status: response.status,
        body: excerpt(),
        retryAfterSeconds: parseRetryAfter(response.headers['retry-after']),
      });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new IflychatApiError({
        path,
        status: response.status,
        body: excerpt(),
        invalidAnswer: true,
        message: `iFlyChat answered ${path} with a body that is not JSON (HTTP ${response.status})`,
      });
    }
  }

  function invalid(path: string, status: number, answer: unknown, what: string): IflychatApiError {
    return new IflychatApiError({
      path,
      status,
      body: redact(JSON.stringify(answer) ?? '').slice(0, MAX_BODY_CHARS),
      invalidAnswer: true,
      message: `iFlyChat answered ${path} without ${what}`,
    });
  }

  function roomFields(room: RoomParams): Record<string, string> {
    return {
      room_name: room.name,
      room_role: room.role,
      room_private: room.private ? '1' : '0',
      room_moderate: room.moderate ? '1' : '0',
    };
  }

  function expectSuccess(path: string, answer: unknown): void {
    if (!isRecord(answer) || (answer.success !== true && answer.success !== 'true')) {
      throw invalid(path, 200, answer, '"success": true');
    }
  }

  return {
    apiVersion: version,
    /** The request path every call takes, for calls kept in files of their own (tokens.ts). */
    request: post,

    /** `POST /api/{v}/room/create` → the new room's id. */
    async createRoom(room: RoomParams): Promise<{ roomId: string }> {
      const path = `/api/${version}/room/create`;
      const answer = await post(path, roomFields(room));
      const roomId = isRecord(answer) ? parseRoomId(answer.room_id) : undefined;
      if (!roomId) throw invalid(path, 200, answer, 'a positive integer room_id');
      return { roomId };
    },

    /** `POST /api/{v}/room/{id}/edit`. */
    async editRoom(roomId: string, room: RoomParams): Promise<void> {
      const path = `/api/${version}/room/${encodeURIComponent(roomId)}/edit`;
      expectSuccess(path, await post(path, roomFields(room)));
    },

    /** `POST /api/{v}/room/{id}/delete`. */
    async deleteRoom(roomId: string): Promise<void> {
      const path = `/api/${version}/room/${encodeURIComponent(roomId)}/delete`;
      expectSuccess(path, await post(path, {}));
    },

    /** `POST /api/{v}/rooms/list`. */
    async listRooms(): Promise<RoomSummary[]> {
      const path = `/api/${version}/rooms/list`;
      const answer = await post(path, {});
      if (!isRecord(answer) || !Array.isArray(answer.rooms)) {
        throw invalid(path, 200, answer, 'a "rooms" list');
      }
      return answer.rooms.flatMap((room: unknown) => {
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
      });
    },
  };
}

export type IflychatClient = ReturnType<typeof createIflychatClient>;

/** Body fields of a call; an object value (`user_roles`) is nested. */
export type RequestParams = Record<string, string | Record<string, string> | undefined>;

/** A form body as PHP builds it: an object value becomes `key[sub]=value`. */
function formEncode(fields: Record<string, string | Record<string, string>>): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === 'string') form.append(key, value);
    else for (const [sub, item] of Object.entries(value)) form.append(`${key}[${sub}]`, item);
  }
  return form.toString();
}

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

export function parseRetryAfter(header: unknown): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(header);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, (date - Date.now()) / 1000);
}

function toNetworkError(error: AxiosError, path: string, timeoutMs: number) {
  const code = error.code;
  const sent = !(code && NOT_SENT_CODES.has(code));
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
    return new IflychatTimeoutError({ path, timeoutMs, sent });
  }
  // axios' message for network failures is the system error ("connect ECONNREFUSED 127.0.0.1:9"),
  // which names the host but never the request body.
  return new IflychatRequestError({ path, code, message: error.message || String(code), sent });
}
