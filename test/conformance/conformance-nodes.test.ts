/** Differential conformance, part 1: nodes, stats and create modes. */
import { conformanceSuite } from './harness/runner';
import { nodeScenarios } from './scenarios/nodes';

conformanceSuite('nodes and stats', 'n', nodeScenarios);
