import { parsePluginConfig } from './parse';

/**
 * Static configuration from the host project's `config/plugins.ts` (`iflychat.config`).
 * The validator throws with every offending key named, which stops Strapi at startup.
 */
export default {
  default: {},
  validator(config: unknown): void {
    parsePluginConfig(config);
  },
};
