import { afterAll, beforeAll, expect, it } from 'vitest';
import { CreateMode } from '../../../src/protocol/constants';
import { connectedClient, describeEachBackend, freshNamespace, type TestServer } from './backends';

describeEachBackend('client smoke', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await backend.start({ tickTime: 500 });
  });
  afterAll(async () => {
    await server?.stop();
  });
  it('creates and reads', async () => {
    const ns = await freshNamespace(server);
    const client = await connectedClient(server, ns);
    expect(client.sessionId).not.toBe(0n);
    expect(await client.create('/a', 'hello')).toBe('/a');
    const { data, stat } = await client.getData('/a');
    expect(data.toString()).toBe('hello');
    expect(stat.version).toBe(0);
    const seq = await client.create('/q/x-', null, { mode: CreateMode.PERSISTENT_SEQUENTIAL, creatingParentsIfNeeded: true });
    expect(seq).toBe('/q/x-0000000000');
    expect(await client.getChildren('/')).toEqual(expect.arrayContaining(['a', 'q']));
    await client.close();
  });
});
