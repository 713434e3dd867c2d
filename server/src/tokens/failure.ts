/**
 * Why no chat token was issued, as the token controller turns it into a status: rate limited,
 * not configured, refused by iFlyChat, iFlyChat not available (with when to try again), or the
 * user lost access while the token was being issued (revoked at once).
 */
import { IflychatApiError, isIflychatError } from '../iflychat/errors';

export type TokenFailureKind =
  'rate-limited' | 'not-configured' | 'refused' | 'unavailable' | 'revoked';

/** Why no token was issued; the controller turns it into a status. */
export class TokenFailure extends Error {
  readonly kind: TokenFailureKind;
  readonly retryAfterSeconds: number | undefined;

  constructor(kind: TokenFailureKind, message: string, retryAfterSeconds?: number) {
    super(message);
    this.name = 'TokenFailure';
    this.kind = kind;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** When iFlyChat gives no Retry-After, the page is told to try again after this long. */
const DEFAULT_RETRY_AFTER_SECONDS = 30;

/** The failure an error of `token/generate` stands for; any other error is thrown again. */
export function tokenFailureOf(error: unknown): TokenFailure {
  if (error instanceof IflychatApiError && !error.retryable) {
    return new TokenFailure('refused', `iFlyChat refused to issue a chat token: ${error.message}`);
  }
  if (error instanceof IflychatApiError && error.invalidAnswer) {
    return new TokenFailure('refused', error.message);
  }
  if (isIflychatError(error)) {
    const retryAfter = error instanceof IflychatApiError ? error.retryAfterSeconds : undefined;
    return new TokenFailure(
      'unavailable',
      `iFlyChat is not available: ${error.message}`,
      Math.max(1, Math.ceil(retryAfter ?? DEFAULT_RETRY_AFTER_SECONDS))
    );
  }
  throw error;
}
