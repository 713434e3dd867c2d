/**
 * Text that leaves the plugin (stored failure reasons, log lines, error messages) is cleaned
 * here: the API key is redacted in every form it can take in an answer or a URL, and control
 * characters are stripped so a remote answer cannot forge log lines or hide text.
 */

/** C0 and C1 controls, DEL, line and paragraph separators, and bidirectional overrides. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g;

/**
 * A reason fit to store and show: control characters become one space, runs of spaces are
 * collapsed, the ends trimmed. Use it for every `lastError` and every log line built from a
 * remote answer or an error message.
 */
export function sanitizeReason(text: string): string {
  return text.replace(CONTROL_CHARACTERS, ' ').replace(/ {2,}/g, ' ').trim();
}

/** The forms a secret can take in text: as is, URL-encoded (both ways), JSON-escaped. */
export function secretForms(secret: string): string[] {
  if (!secret) return [];
  const forms = new Set<string>([
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ k: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
    // JSON with every non-ASCII character escaped, as some servers write it.
    JSON.stringify(secret)
      .slice(1, -1)
      .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  ]);
  // Longest first, so that a longer form is not left half-redacted by a shorter one.
  return [...forms].filter(Boolean).sort((a, b) => b.length - a.length);
}

/** `text` with every form of `secret` replaced by `[redacted]` (case-insensitive for %XX). */
export function redactSecret(text: string, secret: string): string {
  let result = text;
  for (const form of secretForms(secret)) {
    result = result.split(form).join('[redacted]');
    if (/%[0-9A-F]{2}/.test(form)) {
      const lower = form.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
      result = result.split(lower).join('[redacted]');
    }
  }
  return result;
}
