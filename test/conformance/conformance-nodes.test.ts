/** Differential conformance, part 1: nodes, stats, create modes and second-order cases. */
import { conformanceSuite } from './harness/runner';
import { moreScenarios, pipelineScenarios } from './scenarios/more';
import { nodeScenarios } from './scenarios/nodes';

conformanceSuite('nodes, stats and more', 'n', [...nodeScenarios, ...moreScenarios, ...pipelineScenarios]);
