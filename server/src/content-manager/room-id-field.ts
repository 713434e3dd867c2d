/**
 * The room id field is read-only in the Content Manager's edit view of every bound content type:
 * the plugin owns its value (the room panel is the way to change a room).
 *
 * When a binding appears, the field's `editable` in the type's Content Manager view configuration
 * is set to false, and the value it had is kept in the plugin store; when the binding goes (or
 * names another field), that value is put back. Runs at startup (bindings from config/plugins.ts
 * and stored ones) and after each settings save. The view configuration lives in the database, so
 * every Strapi instance sharing it sees the change.
 */
import type { Core } from '@strapi/strapi';

import { PLUGIN_ID } from '../utils/get-service';
import { describe } from '../utils/errors';

/** What the plugin changed: per content type uid, the field and its `editable` before. */
export interface HeldField {
  field: string;
  editable: boolean;
}

const STORE_KEY = 'room-id-fields';

interface ViewConfiguration {
  settings: Record<string, unknown>;
  metadatas: Record<string, { edit?: Record<string, unknown>; list?: Record<string, unknown> }>;
  layouts: Record<string, unknown>;
}

export interface ContentManagerViews {
  read(uid: string): Promise<ViewConfiguration>;
  write(uid: string, configuration: ViewConfiguration): Promise<void>;
}

export interface HeldStore {
  read(): Promise<Map<string, HeldField>>;
  write(held: Map<string, HeldField>): Promise<void>;
}

/** What to do for each content type: pure, from the bindings in force and what is held. */
export function plan(
  bindings: ReadonlyMap<string, string>,
  held: ReadonlyMap<string, HeldField>
): { release: Array<[string, HeldField]>; hold: Array<[string, string]> } {
  const release: Array<[string, HeldField]> = [];
  const hold: Array<[string, string]> = [];
  for (const [uid, entry] of held) {
    if (bindings.get(uid) !== entry.field) release.push([uid, entry]);
  }
  for (const [uid, field] of bindings) {
    if (held.get(uid)?.field !== field) hold.push([uid, field]);
  }
  return { release, hold };
}

function editableOf(configuration: ViewConfiguration, field: string): boolean | undefined {
  const metadata = Object.hasOwn(configuration.metadatas, field)
    ? configuration.metadatas[field]
    : undefined;
  const value = metadata?.edit?.editable;
  return typeof value === 'boolean' ? value : undefined;
}

function withEditable(
  configuration: ViewConfiguration,
  field: string,
  editable: boolean
): ViewConfiguration {
  const metadata = Object.hasOwn(configuration.metadatas, field)
    ? configuration.metadatas[field]
    : {};
  return {
    ...configuration,
    metadatas: {
      ...configuration.metadatas,
      [field]: { ...metadata, edit: { ...(metadata.edit ?? {}), editable } },
    },
  };
}

/**
 * Makes the room id field of every bound type read-only and gives back the fields of types no
 * longer bound. `bindings`: content type uid → room id field.
 */
export async function applyRoomIdFields(
  bindings: ReadonlyMap<string, string>,
  views: ContentManagerViews,
  store: HeldStore,
  exists: (uid: string) => boolean
): Promise<void> {
  const held = await store.read();
  const { release, hold } = plan(bindings, held);

  for (const [uid, entry] of release) {
    if (exists(uid)) {
      const configuration = await views.read(uid);
      // Put back what it was, unless someone has made it editable again meanwhile.
      if (editableOf(configuration, entry.field) === false) {
        await views.write(uid, withEditable(configuration, entry.field, entry.editable));
      }
    }
    held.delete(uid);
  }

  const toLock: Array<[string, string]> = [];
  for (const [uid, field] of hold) {
    if (!exists(uid)) continue;
    const configuration = await views.read(uid);
    held.set(uid, { field, editable: editableOf(configuration, field) ?? true });
    toLock.push([uid, field]);
  }
  if (release.length > 0 || toLock.length > 0) {
    // Another instance may have held a field meanwhile: what it recorded first is kept, as it
    // read the value before either of us changed it. The record is saved before the change.
    const latest = await store.read();
    for (const [uid] of release) latest.delete(uid);
    for (const [uid] of toLock) {
      const earlier = latest.get(uid);
      const mine = held.get(uid);
      if (mine && earlier?.field !== mine.field) latest.set(uid, mine);
    }
    await store.write(latest);
  }

  // Every bound field is read-only, also one made editable again by hand in "Configure the view".
  for (const [uid, field] of bindings) {
    if (!exists(uid)) continue;
    const configuration = await views.read(uid);
    if (editableOf(configuration, field) !== false) {
      await views.write(uid, withEditable(configuration, field, false));
    }
  }
}

/** The Content Manager's view configurations and the plugin store of a running Strapi. */
export function strapiRoomIdFields(strapi: Core.Strapi) {
  interface ContentTypesService {
    findConfiguration(contentType: { uid: string }): Promise<unknown>;
    updateConfiguration(contentType: { uid: string }, configuration: unknown): Promise<unknown>;
  }
  const contentTypes = () =>
    strapi.plugin('content-manager').service<ContentTypesService>('content-types');
  const pluginStore = () => strapi.store({ type: 'plugin', name: PLUGIN_ID });
  const views: ContentManagerViews = {
    async read(uid) {
      return (await contentTypes().findConfiguration({ uid })) as ViewConfiguration;
    },
    async write(uid, configuration) {
      const { settings, metadatas, layouts } = configuration;
      await contentTypes().updateConfiguration({ uid }, { settings, metadatas, layouts });
    },
  };
  const store: HeldStore = {
    async read() {
      const value: unknown = await pluginStore().get({ key: STORE_KEY });
      const held = new Map<string, HeldField>();
      if (value && typeof value === 'object') {
        for (const [uid, entry] of Object.entries(value as Record<string, HeldField>)) {
          if (typeof entry?.field === 'string' && typeof entry.editable === 'boolean') {
            held.set(uid, { field: entry.field, editable: entry.editable });
          }
        }
      }
      return held;
    },
    async write(held) {
      await pluginStore().set({ key: STORE_KEY, value: Object.fromEntries(held) });
    },
  };
  const exists = (uid: string) => Object.hasOwn(strapi.contentTypes, uid);

  return {
    /** Applies the bindings in force (uid → binding with its `roomIdField`). */
    async apply(contentTypes: Record<string, { roomIdField: string }>): Promise<void> {
      const bindings = new Map(
        Object.entries(contentTypes).map(([uid, binding]) => [uid, binding.roomIdField])
      );
      await applyRoomIdFields(bindings, views, store, exists);
    },
  };
}

/** Applies the bindings in force, logging (never throwing) when the Content Manager refuses. */
export async function syncRoomIdFields(
  strapi: Core.Strapi,
  contentTypes: Record<string, { roomIdField: string }>
): Promise<void> {
  try {
    await strapiRoomIdFields(strapi).apply(contentTypes);
  } catch (error) {
    strapi.log.warn(
      `[iflychat] could not set the room id fields read-only in the Content Manager: ${describe(
        error
      )}`
    );
  }
}
