export type FaultKind =
  | 'status'
  | 'hang'
  | 'reset'
  | 'non-json'
  | 'hang-after'
  | 'reset-after'
  | 'drip'
  | 'huge'
  | 'json';

export interface FaultRule {
  kind: FaultKind;
  path?: string;
  status?: number;
  body?: string;
  retryAfter?: number;
  times?: number;
  probability?: number;
  /** 'drip' / 'huge': length of the answer in bytes. */
  bytes?: number;
  /** 'drip': pause between two bytes. */
  intervalMs?: number;
  /** 'json': the answer sent with HTTP 200. */
  json?: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  contentType: string;
  body: Record<string, unknown>;
  userAgent: string;
  at: number;
  outcome: string;
}

export interface Room {
  room_id: number;
  room_name: string;
  room_role: string;
  room_private: string;
  room_moderate: string;
}

export interface IssuedToken {
  key: string;
  app_id: string;
  user_id: string;
  user_name: string;
  chat_role: string;
  user_roles: Record<string, string>;
  user_avatar_url?: string;
  user_profile_url?: string;
  expiresAt: number;
}

export interface TokenSettings {
  expiresIn?: number;
  spacedExpiresKey?: boolean;
  /** iFlyChat's App Dashboard switch that lets visitors without a token in as guests. */
  guests?: boolean;
}

/** The account's plan: refused calls get HTTP 403, as a wrong key does. */
export interface Plan {
  /** `free` refuses the calls the catalogue marks `enterprise` (default `enterprise`). */
  name: 'enterprise' | 'free';
  /** More calls to refuse, by catalogue id (`token.generate`...). */
  refuse: string[];
  /** Whether the widget defines iFlyChat's JavaScript SDK (`iflychat.startChat`); default true. */
  jsSdk: boolean;
}

/** A call of the widget's `iflychat.startChat`, as the emulator recorded it. */
export interface StartedChat {
  /** The user id or `c-<room id>` the page asked for. */
  id: string;
  name: string | null;
  state: string;
  /** The iFlyChat user id of the token the page had; null for a guest. */
  from: string | null;
}

export interface Emulator {
  start(port?: number): Promise<Emulator>;
  stop(): Promise<void>;
  configure(settings: {
    latencyMs?: number;
    /** Each call waits a random time between latencyMs and this. */
    latencyMaxMs?: number;
    faults?: FaultRule[];
    apiKey?: string;
    tokens?: TokenSettings;
    plan?: Partial<Plan>;
  }): void;
  reset(): void;
  /**
   * Holds every call whose path contains `fragment` until the returned function is called
   * (`reset()` and `stop()` release all): a call that is surely in flight, without a timing bet.
   */
  hold(fragment: string): () => void;
  readonly url: string;
  readonly apiKey: string;
  readonly rooms: Room[];
  readonly tokens: IssuedToken[];
  readonly requests: RecordedRequest[];
  /** The chats pages opened through the widget's JavaScript SDK (`iflychat.startChat`). */
  readonly startedChats: StartedChat[];
  requestsTo(fragment: string): RecordedRequest[];
  /**
   * Puts a user (a `token/generate` user_id) online in a room, seen from `ip`; false when
   * iFlyChat would refuse them (banned, kicked in the last 15 minutes, IP banned).
   */
  online(
    roomId: number | string,
    user: { user_id: string; user_name: string; user_role?: string; ip?: string }
  ): boolean;
  /** A message from a user into a room (`time` in seconds, default now). */
  say(roomId: number | string, userId: string, message: string, time?: number): ChatMessage;
  readonly moderation: ModerationState;
  /** What iFlyChat decides when the token's user opens the room: `room_role` ∈ `user_roles`. */
  enter(key: string, roomId: number | string): RoomEntry;
}

export interface ChatMessage {
  time: number;
  from_id: string;
  room_id: string;
  from_name: string;
  room_name: string;
  message: string;
  message_id: string;
}

export interface ModerationState {
  /** room id → user ids online. */
  online: Record<string, string[]>;
  banned: string[];
  kicked: string[];
  bannedIps: string[];
  /** room id → number of messages. */
  messages: Record<string, number>;
}

export interface RoomEntry {
  valid: boolean;
  user: { id: string; name: string; chatRole: string } | null;
  roles: Record<string, string>;
  room: { id: number; role: string } | null;
  allowed: boolean;
}

export function createEmulator(options?: {
  apiKey?: string;
  port?: number;
  latencyMs?: number;
  latencyMaxMs?: number;
  random?: () => number;
  /** Rooms there from the start (and after `reset()`), with their own ids. */
  rooms?: Room[];
}): Emulator;
