/** Static membership with @platformatic/kafka members: see static-membership.ts. */
import { test } from 'node:test';
import { staticMembership } from './static-membership.js';

test('@platformatic/kafka static members: restart within the session timeout keeps partitions with no rebalance; a duplicate instance id is fenced', (t) => staticMembership('platformatic', t));
