/**
 * Typed failures of the iFlyChat client. None of them ever carries the API key: messages are built
 * from the path and the status only (never the answer's text), and the cause of a network failure is
 * reduced to its code and message instead of keeping axios' error (whose config holds the body).
 */

export type IflychatErrorKind = 'api' | 'request' | 'timeout';

export abstract class IflychatError extends Error {
  abstract readonly kind: IflychatErrorKind;
  /** True when the same call may succeed later (network trouble, 429, 5xx, timeouts). */
  abstract readonly retryable: boolean;
  /**
   * True when the request may have reached iFlyChat and been acted on although no answer came
   * back: a create may then have made a room, so it must be reconciled before trying again.
   */
  abstract readonly mayHaveReachedServer: boolean;
  /** The API path that was called, such as `/api/1.1/room/create`. */
  readonly path: string;

  constructor(message: string, path: string) {
    super(message);
    this.name = new.target.name;
    this.path = path;
  }
}

/** iFlyChat answered, but with an error status or an answer that is not what the API promises. */
export class IflychatApiError extends IflychatError {
  readonly kind = 'api' as const;
  readonly status: number;
  /** The answer's body as text (redacted, at most 500 characters). */
  readonly body: string;
  /** Seconds from a `Retry-After` header, when iFlyChat sent one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(options: {
    path: string;
    status: number;
    body: string;
    message?: string;
    retryAfterSeconds?: number;
    /** Set for a success status whose body is unusable: the call may have been acted on. */
    invalidAnswer?: boolean;
  }) {
    super(options.message ?? describeStatus(options.status, options.path), options.path);
    this.status = options.status;
    this.body = options.body;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.invalidAnswer = options.invalidAnswer ?? false;
  }

  readonly invalidAnswer: boolean;

  get retryable(): boolean {
    return this.invalidAnswer || this.status === 429 || this.status === 408 || this.status >= 500;
  }

  /**
   * An error status means the call was refused; a success status with an unusable body means it
   * was probably carried out and only the answer got lost.
   */
  get mayHaveReachedServer(): boolean {
    return this.invalidAnswer;
  }
}

/** No answer: connection refused, reset, DNS failure, TLS failure... */
export class IflychatRequestError extends IflychatError {
  readonly kind = 'request' as const;
  readonly retryable = true;
  readonly code: string | undefined;
  readonly mayHaveReachedServer: boolean;

  constructor(options: { path: string; code?: string; message: string; sent: boolean }) {
    super(`iFlyChat could not be reached at ${options.path}: ${options.message}`, options.path);
    this.code = options.code;
    this.mayHaveReachedServer = options.sent;
  }
}

/** No answer within the configured timeout. The request may have been processed. */
export class IflychatTimeoutError extends IflychatError {
  readonly kind = 'timeout' as const;
  readonly retryable = true;
  readonly timeoutMs: number;
  readonly mayHaveReachedServer: boolean;

  constructor(options: { path: string; timeoutMs: number; sent: boolean }) {
    super(`iFlyChat did not answer ${options.path} within ${options.timeoutMs} ms`, options.path);
    this.timeoutMs = options.timeoutMs;
    this.mayHaveReachedServer = options.sent;
  }
}

export function isIflychatError(error: unknown): error is IflychatError {
  return error instanceof IflychatError;
}

/**
 * A success answer that lacks `what`: the call may have been acted on. None of the answer is
 * kept (it may hold a token, or the remote server's own text).
 */
export function answerWithout(path: string, what: string): IflychatApiError {
  return new IflychatApiError({
    path,
    status: 200,
    body: '',
    invalidAnswer: true,
    message: `iFlyChat answered ${path} without ${what}`,
  });
}

/**
 * The plugin's own words for an error status. The answer's body is never part of them: it is
 * the remote server's text, and these messages reach the room panel, `lastError` and room
 * events (the body stays on {@link IflychatApiError.body}, redacted, for code that needs it).
 */
function describeStatus(status: number, path: string): string {
  if (status === 401 || status === 403) {
    return `iFlyChat refused the API key (HTTP ${status} on ${path})`;
  }
  if (status === 429) {
    return `iFlyChat is rate limiting requests (HTTP 429 on ${path})`;
  }
  if (status >= 500) {
    return `iFlyChat had a server error (HTTP ${status} on ${path})`;
  }
  return `iFlyChat rejected the request (HTTP ${status} on ${path})`;
}
