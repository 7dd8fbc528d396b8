/** Differential conformance, part 2: error precedence, multi/multiRead and edge inputs. */
import { conformanceSuite } from './harness/runner';
import { edgeScenarios } from './scenarios/edges';
import { errorScenarios } from './scenarios/errors';
import { multiScenarios } from './scenarios/multi';

conformanceSuite('errors, multi and edges', 'w', [...errorScenarios, ...multiScenarios, ...edgeScenarios]);
