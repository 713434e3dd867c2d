type Env = ((key: string, fallback?: string) => string) & {
  int: (key: string, fallback?: number) => number;
  bool: (key: string, fallback?: boolean) => boolean;
  array: (key: string) => string[];
};

export default ({ env }: { env: Env }) => ({
  host: env('HOST', '127.0.0.1'),
  port: env.int('PORT', 1337),
  app: { keys: env.array('APP_KEYS') },
  logger: {
    // The tests turn these down so that their output stays readable.
    config: { level: env('STRAPI_LOG_LEVEL', 'http') },
    startup: { enabled: env.bool('STRAPI_STARTUP_LOG', true) },
    updates: { enabled: false },
  },
});
