/** Naming: unique increasing ids and unique names. */
export {
  type ConflictDecision,
  decideConflict,
  type NameRegistration,
  NameRegistry,
  type NameRegistryOptions,
  NameTakenError,
} from './name-registry';
export {
  type IdOf,
  type IdType,
  parseSequenceId,
  SequenceParseError,
  sortBySequence,
  stripProtection,
  toIdType,
} from './sequence-id';
export { SequentialIdGenerator, type SequentialIdGeneratorOptions } from './sequential-id-generator';
