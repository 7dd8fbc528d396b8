/** Differential conformance, part 2: error precedence and multi/multiRead. */
import { conformanceSuite } from './harness/runner';
import { errorScenarios } from './scenarios/errors';
import { multiScenarios } from './scenarios/multi';

conformanceSuite('errors and multi', 'w', [...errorScenarios, ...multiScenarios]);
