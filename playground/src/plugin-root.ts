import fs from 'fs';
import path from 'path';

/** The plugin is the package at the repository root, found upwards from this (compiled) file. */
export function pluginRoot(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (!fs.existsSync(manifest)) continue;
    const { name } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string };
    if (name === 'strapi-plugin-iflychat') return dir;
  }
  throw new Error('strapi-plugin-iflychat was not found above the playground');
}
