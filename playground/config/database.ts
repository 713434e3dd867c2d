import path from 'path';

type Env = ((key: string, fallback?: string) => string) & {
  int: (key: string, fallback?: number) => number;
};

// SQLite by default (the demo and most tests); PostgreSQL when DATABASE_CLIENT=postgres, MySQL or
// MariaDB when DATABASE_CLIENT=mysql (Strapi's mysql client needs the mysql2 package).
export default ({ env }: { env: Env }) => {
  if (env('DATABASE_CLIENT', 'sqlite') === 'mysql') {
    return {
      connection: {
        client: 'mysql',
        connection: {
          host: env('DATABASE_HOST', '127.0.0.1'),
          port: env.int('DATABASE_PORT', 3306),
          database: env('DATABASE_NAME', 'iflychat'),
          user: env('DATABASE_USERNAME', 'iflychat'),
          password: env('DATABASE_PASSWORD', ''),
        },
        pool: { min: 0, max: env.int('DATABASE_POOL_MAX', 10) },
      },
    };
  }
  if (env('DATABASE_CLIENT', 'sqlite') === 'postgres') {
    return {
      connection: {
        client: 'postgres',
        connection: {
          connectionString: env('DATABASE_URL'),
          host: env('DATABASE_HOST', '127.0.0.1'),
          port: env.int('DATABASE_PORT', 5432),
          database: env('DATABASE_NAME', 'iflychat'),
          user: env('DATABASE_USERNAME', 'postgres'),
          password: env('DATABASE_PASSWORD', 'postgres'),
        },
        pool: { min: 0, max: env.int('DATABASE_POOL_MAX', 10) },
      },
    };
  }
  const filename = env('DATABASE_FILENAME', '.tmp/data.db');
  return {
    connection: {
      client: 'sqlite',
      connection: {
        // A relative name is taken from the playground folder, wherever the compiled config lives.
        filename: path.isAbsolute(filename) ? filename : path.resolve(process.cwd(), filename),
      },
      useNullAsDefault: true,
    },
  };
};
