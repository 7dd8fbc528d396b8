/**
 * How a config subscription turns node bytes into values and back. JSON by default; a
 * parser that throws leaves the subscription on its last good value (see
 * {@link ConfigParseError}).
 */
import type { NodeData } from '../../src/index';

/** Bytes → value. Throw to reject the bytes. */
export type ConfigParser<T> = (bytes: Buffer) => T;
/** Value → bytes. */
export type ConfigSerializer<T> = (value: T) => NodeData;

/** Parses UTF-8 JSON. */
export function parseJson<T>(bytes: Buffer): T {
  return JSON.parse(bytes.toString('utf8')) as T;
}

/** Serializes to UTF-8 JSON. */
export function serializeJson<T>(value: T): NodeData {
  return JSON.stringify(value);
}

/** A node's bytes did not parse; `version` is the rejected data version. */
export class ConfigParseError extends Error {
  override readonly name = 'ConfigParseError';
  constructor(
    readonly path: string,
    readonly version: number,
    options?: { cause?: unknown },
  ) {
    super(`${path}: version ${version} does not parse`, options);
  }
}

/** One parsed state of a config node: `undefined` value while the node does not exist. */
export interface ConfigState<T> {
  value: T | undefined;
  /** The node's data version; -1 while the node does not exist. */
  version: number;
}

/**
 * Parses a read (pure): the new state, or a {@link ConfigParseError}. A missing node is
 * `{ value: undefined, version: -1 }`.
 */
export function parseConfigState<T>(
  path: string,
  node: { data: Buffer; stat: { version: number } } | undefined,
  parser: ConfigParser<T>,
): ConfigState<T> | ConfigParseError {
  if (node === undefined) return { value: undefined, version: -1 };
  try {
    return { value: parser(node.data), version: node.stat.version };
  } catch (error) {
    return new ConfigParseError(path, node.stat.version, { cause: error });
  }
}
