/**
 * One budget of calls to iFlyChat per second and Strapi instance (`maxRequestsPerSecond`),
 * shared by room jobs and chat tokens, so that a flood of sign-ups cannot starve room creation:
 *
 * - calls are spaced `1000 / maxRequestsPerSecond` ms apart, whoever makes them;
 * - while room calls and token calls both wait, they take turns: tokens get at most every other
 *   slot, half the budget; alone, either kind may use all of it;
 * - a token call waits at most `maxWaitMs`: past it the user is told to try again (503) rather
 *   than holding a request open behind a long queue.
 *
 * Without `maxRequestsPerSecond` nothing is spaced (room jobs are still bounded by `concurrency`).
 */
import type { Core } from '@strapi/strapi';

import { getService } from '../utils/get-service';

export type CallKind = 'room' | 'token';

/** Thrown to a token call that could not get a slot within its wait. */
export class BudgetExhaustedError extends Error {
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number) {
    super('the budget of calls to iFlyChat is used up for now');
    this.name = 'BudgetExhaustedError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

interface Waiter {
  grant: () => void;
}

export function createCallBudget(options: {
  perSecond: () => number | null | undefined;
  /** Resolves once `perSecond` can answer (the settings were read); awaited before each call. */
  ready?: () => Promise<void> | void;
  now?: () => number;
}) {
  const now = options.now ?? Date.now;
  const queues: Record<CallKind, Waiter[]> = { room: [], token: [] };
  let lastSlot = -Infinity;
  let lastKind: CallKind | undefined;
  let timer: NodeJS.Timeout | undefined;
  const granted: Record<CallKind, number> = { room: 0, token: 0 };

  /** Whose turn the next slot is: rooms and tokens alternate while both wait. */
  function nextKind(): CallKind | undefined {
    const rooms = queues.room.length > 0;
    const tokens = queues.token.length > 0;
    if (rooms && tokens) return lastKind === 'token' ? 'room' : 'token';
    if (rooms) return 'room';
    return tokens ? 'token' : undefined;
  }

  function pump(): void {
    if (timer) return;
    for (let kind = nextKind(); kind; kind = nextKind()) {
      const perSecond = options.perSecond();
      if (perSecond) {
        const wait = lastSlot + 1000 / perSecond - now();
        if (wait > 0) {
          timer = setTimeout(() => {
            timer = undefined;
            pump();
          }, wait);
          timer.unref();
          return;
        }
      }
      lastSlot = now();
      lastKind = kind;
      granted[kind] += 1;
      queues[kind].shift()!.grant();
    }
  }

  /** Resolves when a call of `kind` may go out now. */
  async function take(kind: CallKind, maxWaitMs = Infinity): Promise<void> {
    await options.ready?.();
    return new Promise<void>((resolve, reject) => {
      let expiry: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(expiry);
          resolve();
        },
      };
      queues[kind].push(waiter);
      if (Number.isFinite(maxWaitMs)) {
        expiry = setTimeout(() => {
          const index = queues[kind].indexOf(waiter);
          if (index === -1) return;
          queues[kind].splice(index, 1);
          reject(new BudgetExhaustedError(Math.max(1, Math.ceil(maxWaitMs / 1000))));
        }, maxWaitMs);
        expiry.unref();
      }
      pump();
    });
  }

  return {
    /** A room job's call: waits for its slot. */
    room: () => take('room'),
    /** A chat token's call: waits at most `maxWaitMs`, else a {@link BudgetExhaustedError}. */
    token: (maxWaitMs: number) => take('token', maxWaitMs),
    /** Calls waiting and granted so far, by kind. */
    stats() {
      return {
        waiting: { room: queues.room.length, token: queues.token.length },
        granted: { ...granted },
      };
    },
  };
}

export type CallBudget = ReturnType<typeof createCallBudget>;

/** The plugin's `budget` service: one per Strapi instance, on `maxRequestsPerSecond` in force. */
export function createBudgetService({ strapi }: { strapi: Core.Strapi }): CallBudget {
  const settings = () => getService(strapi, 'settings');
  return createCallBudget({
    perSecond: () => settings().cached()?.maxRequestsPerSecond,
    // After `settings.load()` nothing is cached until the next read: without this wait the first
    // calls would go out unspaced. A failed read leaves it to the next call.
    ready: async () => {
      if (!settings().cached())
        await settings()
          .get()
          .catch(() => undefined);
    },
  });
}

export type BudgetService = CallBudget;
