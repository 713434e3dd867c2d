/**
 * Every iFlyChat call the plugin makes, read from `calls.json`: per call its path for each API
 * version, method, body, answer, the plan it needs, where it was taken from and the slips of that
 * source it works around. The client builds its paths here and the emulator
 * (`tests/emulator/server.js`) answers the same file, so the two cannot drift apart; the README's
 * table is checked against it by a unit test.
 */
import type { ApiVersion } from '../../../contracts/config';
import calls from './calls.json';

export type CallId = keyof typeof calls;

export interface CallEntry {
  title: string;
  method: 'POST';
  /** Path templates: `{roomId}` and `{token}` are filled in, URL-encoded. */
  paths: Record<ApiVersion, string>;
  body: string;
  answer: string;
  /** `enterprise`: iFlyChat's help says the call needs the Enterprise plan. */
  plan: 'any' | 'enterprise';
  source: string;
  slips: string[];
}

export const CATALOGUE = calls as Record<CallId, CallEntry>;

export const CALL_IDS = Object.keys(CATALOGUE) as CallId[];

/** The path of a call under an API version, with its placeholders filled in. */
export function callPath(
  id: CallId,
  version: ApiVersion,
  params: Record<string, string> = {}
): string {
  return CATALOGUE[id].paths[version].replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = Object.hasOwn(params, name) ? params[name] : undefined;
    if (value === undefined) throw new Error(`${id}: the path needs {${name}}`);
    return encodeURIComponent(value);
  });
}

/** The catalogue as the Markdown table the README shows. */
export function catalogueTable(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = CALL_IDS.map((id) => {
    const call = CATALOGUE[id];
    return [
      `${call.title} (\`${id}\`)`,
      `\`${call.paths['1.1']}\``,
      `\`${call.paths['1.0']}\``,
      call.body,
      `\`${call.answer}\``,
      call.plan === 'enterprise' ? 'Enterprise' : 'any',
      call.source,
      call.slips.join(' '),
    ]
      .map(cell)
      .join(' | ');
  });
  return [
    '| call | API 1.1 path | API 1.0 path | body | answer | plan | source | slips worked around |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}
