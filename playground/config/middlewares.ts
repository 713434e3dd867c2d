/**
 * The public chat page (/chat/) loads iFlyChat's widget: its origin may run scripts and be
 * fetched from (the emulator's in the demo and the tests, cdn.iflychat.com otherwise).
 */
export default ({ env }: { env: (key: string, fallback?: string) => string }) => {
  const widget = env('IFLYCHAT_WIDGET_ORIGIN', 'https://cdn.iflychat.com');
  return [
    'strapi::logger',
    'strapi::errors',
    {
      name: 'strapi::security',
      config: {
        contentSecurityPolicy: {
          useDefaults: true,
          directives: {
            'script-src': ["'self'", widget],
            'connect-src': ["'self'", 'https:', widget],
          },
        },
      },
    },
    'strapi::cors',
    'strapi::poweredBy',
    'strapi::query',
    'strapi::body',
    'strapi::session',
    'strapi::favicon',
    'strapi::public',
  ];
};
