/** Differential conformance, part 3: watches, sessions, ACLs, reads and four-letter words. */
import { conformanceSuite } from './harness/runner';
import { aclScenarios } from './scenarios/acl';
import { miscScenarios } from './scenarios/misc';
import { sessionScenarios } from './scenarios/sessions';
import { watchScenarios } from './scenarios/watches';

conformanceSuite('watches, sessions, ACLs', 's', [
  ...watchScenarios,
  ...sessionScenarios,
  ...aclScenarios,
  ...miscScenarios,
]);
