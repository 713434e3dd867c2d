/**
 * Two Strapi processes on one PostgreSQL database, each publishing its own communities while both
 * workers and audits compete for every row: each entry gets exactly one room.
 */
import { twoInstancesShareTheWork } from '../helpers/two-instances';

twoInstancesShareTheWork('PostgreSQL', 'postgres');
