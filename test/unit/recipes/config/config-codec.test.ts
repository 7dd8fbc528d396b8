import { describe, expect, it } from 'vitest';
import {
  ConfigParseError,
  parseConfigState,
  parseJson,
  serializeJson,
} from '../../../../recipes/config/config-codec';

describe('config codec', () => {
  it('a missing node is undefined at version -1', () => {
    expect(parseConfigState('/c', undefined, parseJson)).toEqual({ value: undefined, version: -1 });
  });

  it('parses JSON with the node version', () => {
    const node = { data: Buffer.from('{"poolSize":10}'), stat: { version: 4 } };
    expect(parseConfigState('/c', node, parseJson)).toEqual({ value: { poolSize: 10 }, version: 4 });
  });

  it('bytes that do not parse are a ConfigParseError with path and version', () => {
    const parsed = parseConfigState(
      '/c',
      { data: Buffer.from('{not json'), stat: { version: 2 } },
      parseJson,
    );
    expect(parsed).toBeInstanceOf(ConfigParseError);
    expect((parsed as ConfigParseError).path).toBe('/c');
    expect((parsed as ConfigParseError).version).toBe(2);
    expect((parsed as ConfigParseError).cause).toBeInstanceOf(SyntaxError);
  });

  it('a custom parser is used as given', () => {
    const node = { data: Buffer.from('42'), stat: { version: 0 } };
    expect(parseConfigState('/c', node, (bytes) => Number(bytes.toString()) * 2)).toEqual({
      value: 84,
      version: 0,
    });
  });

  it('JSON round trip', () => {
    expect(parseJson(Buffer.from(serializeJson({ a: [1, 2] }) as string))).toEqual({ a: [1, 2] });
  });
});
