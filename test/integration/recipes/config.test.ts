import { afterEach, expect, it } from 'vitest';
import { type ConfigChange, ConfigSubscription } from '../../../recipes/config/index';
import { BadVersionError } from '../../../src/index';
import {
  dataBackends,
  EventRecorder,
  eventually,
  expireUntilNewSession,
  namespace,
  startClient,
  useRecipeSuite,
} from './fixtures/data-harness';

interface Settings {
  revision: number;
  name: string;
}

for (const backend of dataBackends) {
  backend.describe(`recipes: ConfigSubscription (${backend.name})`, () => {
    const suite = useRecipeSuite(backend);
    const { clients } = suite;
    const subscriptions: ConfigSubscription<unknown>[] = [];

    afterEach(async () => {
      await Promise.allSettled(subscriptions.splice(0).map((subscription) => subscription.close()));
    });

    it('five subscribers on five clients all converge on the last of many published values', async () => {
      const path = namespace('config-converge');
      const publisherClient = await startClient(suite.server, clients);
      const publisher = await ConfigSubscription.open<Settings>(publisherClient, path);
      subscriptions.push(publisher as ConfigSubscription<unknown>);
      const subscribers: ConfigSubscription<Settings>[] = [];
      const lastSeen: number[] = [];
      const violations: string[] = [];
      for (let index = 0; index < 5; index++) {
        const subscriber = await ConfigSubscription.open<Settings>(
          await startClient(suite.server, clients),
          path,
        );
        subscriptions.push(subscriber as ConfigSubscription<unknown>);
        subscribers.push(subscriber);
        lastSeen.push(-1);
        subscriber.on('change', (change) => {
          // Each subscriber sees revisions only ever increase.
          const revision = change.newValue?.revision ?? -1;
          if (revision <= (lastSeen[index] ?? -1))
            violations.push(`subscriber ${index}: ${revision} after ${lastSeen[index]}`);
          lastSeen[index] = revision;
        });
      }
      const revisions = 60;
      for (let revision = 0; revision < revisions; revision++)
        await publisher.publish({ revision, name: `r${revision}` });
      await eventually(
        () => subscribers.every((subscriber) => subscriber.current?.revision === revisions - 1),
        15_000,
        'every subscriber at the last revision',
      );
      expect(violations).toEqual([]);
      expect(lastSeen).toEqual([59, 59, 59, 59, 59]);
      for (const subscriber of subscribers) {
        expect(subscriber.current).toEqual({ revision: revisions - 1, name: `r${revisions - 1}` });
        expect(subscriber.version).toBe(revisions - 1); // version 0 was the create
      }
    });

    it('reports each change with old and new values, in order, as events and as an iterator', async () => {
      const path = namespace('config-changes');
      const client = await startClient(suite.server, clients);
      const writer = await startClient(suite.server, clients);
      await writer.create(path, JSON.stringify({ revision: 1, name: 'one' }), {
        creatingParentsIfNeeded: true,
      });
      const subscription = await ConfigSubscription.open<Settings>(client, path);
      subscriptions.push(subscription as ConfigSubscription<unknown>);
      expect(subscription.current).toEqual({ revision: 1, name: 'one' });
      expect(subscription.version).toBe(0);
      const recorder = new EventRecorder<ConfigChange<Settings>>();
      subscription.on('change', recorder.record);
      const iterator = subscription.changes();

      await writer.setData(path, JSON.stringify({ revision: 2, name: 'two' }));
      const expected = {
        type: 'changed',
        oldValue: { revision: 1, name: 'one' },
        newValue: { revision: 2, name: 'two' },
        version: 1,
      };
      expect(await recorder.next()).toEqual(expected);
      expect((await iterator.next()).value).toEqual(expected);

      const errors: unknown[] = [];
      subscription.on('error', (error) => errors.push(error));
      await writer.setData(path, '{broken');
      await eventually(() => errors.length === 1, 10_000, 'a parse error');
      expect(subscription.current).toEqual({ revision: 2, name: 'two' }); // the last good value stays
      await writer.delete(path);
      expect(await recorder.next()).toEqual({
        type: 'deleted',
        oldValue: { revision: 2, name: 'two' },
        newValue: undefined,
        version: -1,
      });
      await writer.create(path, JSON.stringify({ revision: 3, name: 'three' }));
      expect(await recorder.next()).toEqual({
        type: 'created',
        oldValue: undefined,
        newValue: { revision: 3, name: 'three' },
        version: 0,
      });
      await iterator.return?.();
    });

    it('publish with expectedVersion is compare-and-set: the loser gets BadVersionError', async () => {
      const path = namespace('config-cas');
      const first = await ConfigSubscription.open<Settings>(await startClient(suite.server, clients), path);
      const second = await ConfigSubscription.open<Settings>(await startClient(suite.server, clients), path);
      subscriptions.push(first as ConfigSubscription<unknown>, second as ConfigSubscription<unknown>);
      await first.publish({ revision: 0, name: 'base' });
      await eventually(() => second.version === 0 && first.version === 0, 10_000, 'both at version 0');
      const stat = await first.publish({ revision: 1, name: 'first' }, { expectedVersion: 0 });
      expect(stat.version).toBe(1);
      await expect(
        second.publish({ revision: 1, name: 'second' }, { expectedVersion: 0 }),
      ).rejects.toBeInstanceOf(BadVersionError);
      await eventually(() => second.current?.name === 'first', 10_000, 'the winner everywhere');
      await second.publish({ revision: 2, name: 'second' }, { expectedVersion: second.version });
      await eventually(() => first.current?.name === 'second', 10_000, 'the retry everywhere');
    });

    it('survives a session expiry: a change made meanwhile arrives after the new session', async () => {
      const path = namespace('config-expiry');
      const client = await startClient(suite.server, clients);
      const writer = await startClient(suite.server, clients);
      await writer.create(path, JSON.stringify({ revision: 1, name: 'before' }), {
        creatingParentsIfNeeded: true,
      });
      const subscription = await ConfigSubscription.open<Settings>(client, path);
      subscriptions.push(subscription as ConfigSubscription<unknown>);
      const sessionBefore = client.sessionId;
      await expireUntilNewSession(client, suite.server);
      await writer.setData(path, JSON.stringify({ revision: 2, name: 'during' }));
      await eventually(() => subscription.current?.revision === 2, 20_000, 'the change made during expiry');
      expect(client.sessionId).not.toBe(sessionBefore);
      await writer.setData(path, JSON.stringify({ revision: 3, name: 'after' }));
      await eventually(() => subscription.current?.revision === 3, 10_000, 'a change on the new session');
    });
  });
}
