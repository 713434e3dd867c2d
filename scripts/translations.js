#!/usr/bin/env node
'use strict';

/**
 * Keeps admin/src/translations/en.json in step with the code: every `t('key', 'Default')` call in
 * admin/src becomes an English entry. `--check` fails when en.json or another language misses a
 * key or has one the code no longer uses (run by the unit tests).
 */
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', 'admin', 'src');
const dir = path.join(root, 'translations');

function sources(folder) {
  return fs.readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) return sources(full);
    return /\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

function extract() {
  const messages = { 'plugin.name': 'iFlyChat' };
  const call = /\bt\(\s*'([\w.]+)',\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")/g;
  for (const file of sources(root)) {
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(call)) {
      const message = match[2].slice(1, -1).replace(/\\(['"])/g, '$1');
      if (messages[match[1]] && messages[match[1]] !== message) {
        throw new Error(
          `${match[1]} has two default messages: "${messages[match[1]]}" and "${message}"`
        );
      }
      messages[match[1]] = message;
    }
  }
  return Object.fromEntries(Object.entries(messages).sort(([a], [b]) => a.localeCompare(b)));
}

module.exports = { extract };

if (require.main === module) {
  const messages = extract();
  if (process.argv.includes('--check')) {
    let failed = false;
    for (const file of fs.readdirSync(dir).filter((name) => name.endsWith('.json'))) {
      const data = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
      const missing = Object.keys(messages).filter((key) => !(key in data));
      const unused = Object.keys(data).filter((key) => !(key in messages));
      if (missing.length || unused.length) {
        failed = true;
        console.error(
          `${file}: missing ${JSON.stringify(missing)}, unused ${JSON.stringify(unused)}`
        );
      }
    }
    process.exit(failed ? 1 : 0);
  }
  fs.writeFileSync(path.join(dir, 'en.json'), `${JSON.stringify(messages, null, 2)}\n`);
  console.log(`en.json: ${Object.keys(messages).length} messages`);
}
