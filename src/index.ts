/**
 * zookit: ZooKeeper for TypeScript. This entry point is the client API; the wire tables,
 * the error hierarchy and the path rules are part of it.
 */
export * from './protocol/constants';
export * from './protocol/data';
export * from './protocol/errors';
export {
  InvalidPathError,
  isValidPath,
  joinPath,
  nodeName,
  parentPath,
  parseSequence,
  pathProblem,
  sequenceSuffix,
  validatePath,
} from './protocol/paths';
