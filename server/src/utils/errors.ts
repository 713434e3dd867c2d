/**
 * HTTP errors of the admin API: Strapi's own (`ValidationError` 400, `ForbiddenError` 403,
 * `NotFoundError` 404), and a conflict (409) that services throw as {@link ConflictError} and
 * {@link withStrapiErrors} turns into Strapi's error body, in this one place. No controller builds
 * an error body by hand.
 */
import { errors } from '@strapi/utils';
import type { Context } from 'koa';

export const { ForbiddenError, NotFoundError } = errors;

/** An error's message for a log line or a reason (anything thrown, not only an `Error`). */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The request is valid but clashes with the current state (HTTP 409), such as a stale save. */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** Errors that mean 409: the plugin's own, and any error that says so by its name. */
export function isConflict(error: unknown): error is Error {
  return (
    error instanceof ConflictError ||
    (error instanceof Error && (error.name === 'ConflictError' || error.name === 'RoomBusyError'))
  );
}

/**
 * A 409 as Strapi's error middleware formats HTTP errors (`{ data: null, error: { status,
 * name, message } }`, no error log line). Strapi only knows 4xx classes for 400/401/403/404/
 * 413/429; a conflict is an HTTP error of its `errors.HttpError` kind, which cannot be
 * constructed directly, so the error is given that prototype.
 */
function httpConflict(message: string): Error {
  const error = Object.assign(new Error(message), {
    name: 'ConflictError',
    status: 409,
    statusCode: 409,
    expose: true,
  });
  Object.setPrototypeOf(error, errors.HttpError.prototype as object);
  return error;
}

/**
 * Wraps each action of a controller so that a conflict answers 409 through Strapi's error
 * middleware, and every other error goes on to Strapi untouched.
 */
export function withStrapiErrors<C extends Context, T extends Record<string, (ctx: C) => unknown>>(
  actions: T
): T {
  const wrapped: Record<string, (ctx: C) => Promise<unknown>> = {};
  for (const [name, action] of Object.entries(actions)) {
    wrapped[name] = async (ctx: C) => {
      try {
        return await action(ctx);
      } catch (error) {
        if (isConflict(error)) throw httpConflict(error.message);
        throw error;
      }
    };
  }
  return wrapped as T;
}
