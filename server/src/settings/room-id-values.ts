/**
 * The first setup must not overwrite content: a binding that picks a room id field which already
 * holds something else (names, codes, counts) would have the first publish write room ids over
 * it. Checked when a binding is saved with a room id field it did not have before.
 */
import type { Core } from '@strapi/strapi';

import type { Binding } from '../../../contracts/config';
import { ADD_ROOM_ID, bindingFor, type BindingProblem } from '../config/bindings';

/** How many filled rows of a type are looked at: the check stays quick on a large site. */
export const ROOM_ID_SAMPLE = 1000;

const ROOM_ID = /^[1-9]\d{0,18}$/;

/** How many of the first filled values of `field` are not iFlyChat room ids. */
async function foreignValues(strapi: Core.Strapi, uid: string, field: string): Promise<number> {
  const rows = (await strapi.db.query(uid).findMany({
    select: ['id', field],
    where: { [field]: { $notNull: true } },
    orderBy: { id: 'asc' },
    limit: ROOM_ID_SAMPLE,
  })) as Array<Record<string, unknown>>;
  return rows.filter((row) => {
    const value = row[field];
    return value !== '' && !ROOM_ID.test(String(value));
  }).length;
}

/**
 * A problem for each binding whose newly chosen room id field already holds values that are not
 * room ids. `previous` is what was saved before: a field the plugin writes already is not checked.
 */
export async function roomIdValueProblems(
  strapi: Core.Strapi,
  bindings: Array<[string, Binding]>,
  previous: Record<string, Binding> | undefined
): Promise<BindingProblem[]> {
  const problems: BindingProblem[] = [];
  for (const [uid, binding] of bindings) {
    const field = binding.roomIdField;
    if (bindingFor(previous ?? {}, uid)?.roomIdField === field) continue;
    const count = await foreignValues(strapi, uid, field);
    if (count === 0) continue;
    problems.push({
      path: ['contentTypes', uid, 'roomIdField'],
      message: `"${field}" already holds values that are not iFlyChat room ids (${count} ${count === 1 ? 'entry' : 'entries'}); the first publish would overwrite them. ${ADD_ROOM_ID}`,
    });
  }
  return problems;
}
