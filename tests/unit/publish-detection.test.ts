import {
  isPublishingCall,
  publishedFromResult,
} from '../../server/src/documents/publish-detection';
import { retryDelayMs, MAX_DELAY_MS } from '../../server/src/utils/backoff';

describe('isPublishingCall', () => {
  const uid = 'api::community.community';
  it.each([
    [{ uid, action: 'publish' }, true],
    [{ uid, action: 'create', params: { status: 'published' } }, true],
    [{ uid, action: 'update', params: { status: 'published' } }, true],
    [{ uid, action: 'create', params: { status: 'draft' } }, false],
    [{ uid, action: 'update', params: {} }, false],
    [{ uid, action: 'unpublish' }, false],
    [{ uid, action: 'discardDraft' }, false],
    [{ uid, action: 'findOne', params: { status: 'published' } }, false],
  ])('%j → %s', (ctx, expected) => {
    expect(isPublishingCall(ctx)).toBe(expected);
  });
});

describe('publishedFromResult', () => {
  it('reads publish results', () => {
    expect(
      publishedFromResult({
        documentId: 'abc',
        entries: [
          { documentId: 'abc', locale: 'en' },
          { documentId: 'abc', locale: 'fr' },
        ],
      })
    ).toEqual({ documentId: 'abc', locales: ['en', 'fr'] });
  });

  it('reads a single published entry (create / update with status published)', () => {
    expect(publishedFromResult({ id: 3, documentId: 'xyz', locale: null })).toEqual({
      documentId: 'xyz',
      locales: [],
    });
  });

  it('ignores results without a document', () => {
    expect(publishedFromResult(null)).toBeNull();
    expect(publishedFromResult({ documentId: 'a', entries: [] })).toBeNull();
    expect(publishedFromResult({ count: 2 })).toBeNull();
  });
});

describe('retryDelayMs', () => {
  it('grows exponentially with jitter, bounded', () => {
    expect(retryDelayMs(1, undefined, () => 0)).toBe(1_000);
    expect(retryDelayMs(1, undefined, () => 1)).toBe(2_000);
    expect(retryDelayMs(3, undefined, () => 1)).toBe(8_000);
    expect(retryDelayMs(40, undefined, () => 1)).toBe(MAX_DELAY_MS);
  });

  it('never retries before Retry-After', () => {
    expect(retryDelayMs(1, 30, () => 0)).toBe(30_000);
  });
});
