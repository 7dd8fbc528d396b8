/**
 * The protocol layer in one import: wire constants, errors, the jute reader/writer, frame
 * decoding, path rules, shared data records, every client-protocol record (`records`,
 * `multi`), txn records, peer (quorum/election) messages and credential derivation.
 */
export * from './auth';
export * from './constants';
export * from './data';
export * from './errors';
export * from './framing';
export * from './multi';
export * from './paths';
export * from './quorum';
export * from './reader';
export * from './records';
export * from './txn';
export * from './writer';
