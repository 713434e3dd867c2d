import { describeIssues, pluginConfigSchema, type PluginConfig } from '../../../contracts/config';

export class PluginConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(
      `invalid iflychat configuration in config/plugins:\n${problems.map((line) => `  - ${line}`).join('\n')}`
    );
    this.name = 'PluginConfigError';
    this.problems = problems;
  }
}

/** Parses `iflychat.config` and applies the defaults; throws a {@link PluginConfigError}. */
export function parsePluginConfig(raw: unknown): PluginConfig {
  const result = pluginConfigSchema.safeParse(raw ?? {});
  if (!result.success) throw new PluginConfigError(describeIssues(result.error));
  return result.data;
}
