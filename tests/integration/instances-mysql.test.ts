/**
 * The two-instance test (instances.test.ts) on MariaDB/MySQL, in the MySQL tier: two Strapi
 * processes on one throwaway database of the tier's server, each publishing its own communities
 * while both workers and audits compete for every row: each entry gets exactly one room.
 */
import { mysqlProvider } from '../helpers/mysql';
import { twoInstancesShareTheWork } from '../helpers/two-instances';

twoInstancesShareTheWork('MariaDB/MySQL', 'mysql', mysqlProvider);
