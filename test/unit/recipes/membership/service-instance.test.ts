import { describe, expect, it } from 'vitest';
import { idFromPath } from '../../../../recipes/membership/group-member';
import { parseServiceInstance, sortInstances } from '../../../../recipes/membership/service-registry';

const instance = {
  name: 'billing',
  id: 'b-1',
  address: '10.0.0.5',
  port: 8080,
  payload: { zone: 'a' },
  registrationTimeUTC: 1_700_000_000_000,
  serviceType: 'DYNAMIC',
};

describe('service instances', () => {
  it('parses an instance node', () => {
    expect(parseServiceInstance(Buffer.from(JSON.stringify(instance)))).toEqual(instance);
  });

  it('rejects bytes that are not an instance', () => {
    expect(parseServiceInstance(Buffer.from('not json'))).toBeUndefined();
    expect(parseServiceInstance(Buffer.from('null'))).toBeUndefined();
    expect(parseServiceInstance(Buffer.from(JSON.stringify({ ...instance, port: '80' })))).toBeUndefined();
  });

  it('sorts by id', () => {
    const list = [
      { ...instance, id: 'c' },
      { ...instance, id: 'a' },
      { ...instance, id: 'b' },
    ] as const;
    expect(sortInstances([...list] as never[]).map((entry: { id: string }) => entry.id)).toEqual([
      'a',
      'b',
      'c',
    ]);
  });

  it('member ids are the last path component', () => {
    expect(idFromPath('/workers/worker-1')).toBe('worker-1');
  });
});
