/**
 * Admin API of the Content Manager's room panel (see contracts/rooms.ts). Thin: validate, check
 * the editor's real Content Manager permissions on the entry, call the panel service, answer
 * `{ data }`. Errors are Strapi's: 400 naming the field, 403 (Strapi's router answers every
 * ForbiddenError as a plain "Forbidden", as for its own Content Manager), 404 for an entry that
 * does not exist, 409 while a job holds the room (mapped in utils/errors.ts).
 */
import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';

import {
  linkRoomSchema,
  roomTargetSchema,
  type GetRoomStatus,
  type RoomStatus,
  type RoomTarget,
} from '../../../contracts/rooms';
import { PERMISSIONS } from '../../../contracts/settings';
import { bindingFor, isLocalized, type ModelLike } from '../config/bindings';
import { CONDITION_POPULATE, contentManagerChecker } from '../utils/content-manager';
import { ForbiddenError, NotFoundError, withStrapiErrors } from '../utils/errors';
import { getService } from '../utils/get-service';
import { parseOr400, validationError } from '../utils/validation';

type AdminContext = Context & {
  request: Context['request'] & { body?: unknown };
  state: { userAbility?: unknown };
};

type Version = Record<string, unknown> & { locale?: string | null };

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const panel = () => getService(strapi, 'rooms');

  /** Whether the admin user holds a plugin action (one without a subject). */
  const can = (ctx: AdminContext, action: string) =>
    Boolean(
      (ctx.state.userAbility as { can?(action: string): boolean } | undefined)?.can?.(action)
    );

  const checkerFor = (ctx: AdminContext, uid: string) =>
    contentManagerChecker(strapi, ctx.state.userAbility, uid);

  function modelOf(uid: string): ModelLike | undefined {
    if (!Object.hasOwn(strapi.contentTypes, uid)) return undefined;
    const model: ModelLike = strapi.contentTypes[uid as keyof typeof strapi.contentTypes];
    return model;
  }

  /**
   * The entry's draft rows that a request is about: one locale's, or every locale's when the
   * whole document shares one room (an action then writes the room id on all of them).
   */
  async function versionsOf(target: RoomTarget, locale: string | null): Promise<Version[]> {
    return (await strapi.db.query(target.uid).findMany({
      where: {
        documentId: target.documentId,
        publishedAt: null,
        ...(locale ? { locale } : {}),
      },
      populate: CONDITION_POPULATE,
    })) as Version[];
  }

  function notFound(target: RoomTarget, locale: string | null) {
    const which = locale ? ` in locale ${locale}` : '';
    return new NotFoundError(`there is no ${target.uid} entry ${target.documentId}${which}`);
  }

  /**
   * Checks that the editor may see (or, for an action, change) this entry's room: Content
   * Manager read (and update and publish: an action writes the published entry's room id) on the
   * type, then on the entry itself, with its conditions (for example "own entries"), its locales
   * and the room id field. Answers the room id field's name when the editor may read it, so the
   * failure reason can be hidden from those who may not.
   */
  async function authorize(
    ctx: AdminContext,
    target: RoomTarget,
    changes: boolean
  ): Promise<{ fieldVisible: boolean }> {
    const model = modelOf(target.uid);
    if (!model) throw new NotFoundError(`there is no content type ${target.uid}`);
    const checker = checkerFor(ctx, target.uid);
    // An action writes the room id on the published entry too: it needs publish as well.
    if (
      checker.cannot.read() ||
      (changes && (checker.cannot.update() || checker.cannot.publish()))
    ) {
      throw new ForbiddenError(
        `You may not ${changes ? 'update and publish' : 'read'} ${target.uid} entries`
      );
    }
    const { contentTypes } = await getService(strapi, 'settings').get();
    const binding = bindingFor(contentTypes, target.uid);
    const localized = isLocalized(model);
    const perLocale = binding?.roomPer === 'locale' && localized;
    if (changes && !binding) return { fieldVisible: false }; // the panel answers 400: not bound
    if (changes && perLocale && !target.locale) {
      throw validationError([
        { path: ['locale'], message: `is required: ${target.uid} has one room per locale` },
      ]);
    }

    // An action writes the room id of one locale (one room per locale) or of all of them; the
    // panel shows the edit view's locale.
    const locale = localized && target.locale && (perLocale || !changes) ? target.locale : null;
    let versions = await versionsOf(target, locale);
    // The panel of a locale not created yet still shows the document's room.
    if (versions.length === 0 && !changes && locale) versions = await versionsOf(target, null);
    if (versions.length === 0) throw notFound(target, locale);

    const field = binding?.roomIdField;
    const allowed = (version: Version) =>
      changes
        ? checker.can.read(version) &&
          checker.can.update(version) &&
          checker.can.publish(version) &&
          (!field || checker.can.update(version, field))
        : checker.can.read(version);
    if (!versions.every(allowed)) {
      throw new ForbiddenError(
        `You may not ${changes ? 'update' : 'read'} this ${target.uid} entry${
          versions.length > 1 ? ' in every locale' : ''
        }`
      );
    }
    return {
      fieldVisible: Boolean(field && versions.every((version) => checker.can.read(version, field))),
    };
  }

  /** The failure reason and the room of an entry are only shown to those who may see the field. */
  function visible(status: RoomStatus, fieldVisible: boolean): RoomStatus {
    if (fieldVisible || !status.link) return status;
    return { ...status, link: { ...status.link, roomId: null, roomName: null, lastError: null } };
  }

  async function answer(
    ctx: AdminContext,
    target: RoomTarget,
    run: () => Promise<RoomStatus>,
    changes = true
  ) {
    const { fieldVisible } = await authorize(ctx, target, changes);
    ctx.body = { data: visible(await run(), fieldVisible) } satisfies GetRoomStatus.Response;
  }

  const action =
    (name: 'retry' | 'unlink' | 'recreate') =>
    async (ctx: AdminContext): Promise<void> => {
      const target = parseOr400(roomTargetSchema, ctx.request.body);
      await answer(ctx, target, () => panel()[name](target));
    };

  return withStrapiErrors({
    async find(ctx: AdminContext) {
      const target = parseOr400(roomTargetSchema, ctx.query);
      await answer(ctx, target, () => panel().status(target), false);
    },
    retry: action('retry'),
    unlink: action('unlink'),
    recreate: action('recreate'),
    async link(ctx: AdminContext) {
      const target = parseOr400(linkRoomSchema, ctx.request.body);
      const anyRoom = can(ctx, PERMISSIONS.linkAnyRoom);
      await answer(ctx, target, () => panel().link(target, { anyRoom }));
    },
  });
};
