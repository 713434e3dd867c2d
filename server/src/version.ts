import pkg from '../../package.json';

/** The published package's version, for the User-Agent and the logs. */
export const PLUGIN_VERSION: string = pkg.version;
