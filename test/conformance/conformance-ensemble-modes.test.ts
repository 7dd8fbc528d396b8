/**
 * Differential conformance, part 5: four-letter words whose answers depend on the mode,
 * compared between a follower of a 3-server zookit ensemble and a follower of Apache
 * ZooKeeper's own 3-server ensemble.
 */
import { ensembleModesSuite } from './harness/runner';
import { modeScenarios } from './scenarios/modes';

ensembleModesSuite('four-letter words on a follower', 'm', modeScenarios);
