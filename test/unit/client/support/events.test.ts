import { describe, expect, it } from 'vitest';
import type { ZooKitClient } from '../../../../src/client/client';
import { type EventSourceClose, eventIterator, TypedEventEmitter } from '../../../../src/client/events';

/** A hand-driven source that records subscriptions. */
function source<T>() {
  let push: ((value: T) => void) | undefined;
  let close: EventSourceClose | undefined;
  let unsubscribed = 0;
  const subscribe = (p: (value: T) => void, c: EventSourceClose) => {
    push = p;
    close = c;
    return () => {
      unsubscribed++;
    };
  };
  return {
    subscribe,
    push: (value: T) => push?.(value),
    close: (...reason: [] | [unknown]) => close?.(...reason),
    unsubscribedCount: () => unsubscribed,
  };
}

describe('TypedEventEmitter', () => {
  it('delivers typed arguments', () => {
    const emitter = new TypedEventEmitter<{ state: [string, number] }>();
    const seen: [string, number][] = [];
    emitter.on('state', (name, count) => seen.push([name, count]));
    emitter.once('state', (name) => seen.push([`once:${name}`, 0]));
    emitter.emit('state', 'a', 1);
    emitter.emit('state', 'b', 2);
    expect(seen).toEqual([
      ['a', 1],
      ['once:a', 0],
      ['b', 2],
    ]);
  });

  it('takes an interface as its event map, and the compiler refuses a misspelt event name', () => {
    // `npm run lint` (tsc) fails if either expect-error line compiles, i.e. if the event map
    // regained an index signature that lets any name through.
    interface Events {
      stateChanged: [state: string];
    }
    const emitter = new TypedEventEmitter<Events>();
    const seen: string[] = [];
    emitter.on('stateChanged', (state) => seen.push(state));
    // @ts-expect-error: no such event
    emitter.on('stateChange', () => seen.push('misspelt'));
    // @ts-expect-error: wrong argument type
    emitter.emit('stateChanged', 1);
    emitter.emit('stateChanged', 'CONNECTED');
    expect(seen).toEqual([1, 'CONNECTED']);
    // The same holds for the client's own events (compiled, never called).
    const misspeltOnClient = (client: ZooKitClient) => {
      // @ts-expect-error: the event is stateChanged
      client.on('stateChange', () => {});
    };
    expect(misspeltOnClient).toBeTypeOf('function');
  });
});

describe('eventIterator', () => {
  it('yields values pushed before and after next() in order', async () => {
    const events = source<number>();
    const iterator = eventIterator(events.subscribe);
    events.push(1);
    events.push(2);
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    expect(await iterator.next()).toEqual({ value: 2, done: false });
    const waiting = iterator.next();
    events.push(3);
    expect(await waiting).toEqual({ value: 3, done: false });
  });

  it('drops the oldest when the buffer is full and counts the drops', async () => {
    const events = source<number>();
    const iterator = eventIterator(events.subscribe, { bufferMax: 2 });
    for (const value of [1, 2, 3, 4]) events.push(value);
    expect(iterator.droppedCount).toBe(2);
    expect(await iterator.next()).toEqual({ value: 3, done: false });
    expect(await iterator.next()).toEqual({ value: 4, done: false });
  });

  it('delivers buffered values after close(), then ends and unsubscribes', async () => {
    const events = source<string>();
    const seen: string[] = [];
    const iterator = eventIterator(events.subscribe);
    events.push('a');
    events.push('b');
    events.close();
    events.push('ignored');
    for await (const value of iterator) seen.push(value);
    expect(seen).toEqual(['a', 'b']);
    expect(events.unsubscribedCount()).toBe(1);
  });

  it('close(error) rejects after the buffer drains, even with undefined as the error', async () => {
    for (const failure of [new Error('source failed'), undefined]) {
      const events = source<number>();
      const iterator = eventIterator(events.subscribe);
      events.push(1);
      events.close(failure);
      expect(await iterator.next()).toEqual({ value: 1, done: false });
      await expect(iterator.next()).rejects.toBe(failure);
      expect(await iterator.next()).toEqual({ value: undefined, done: true });
    }
  });

  it('close() wakes a waiting next()', async () => {
    const events = source<number>();
    const iterator = eventIterator(events.subscribe);
    const waiting = iterator.next();
    events.close();
    expect(await waiting).toEqual({ value: undefined, done: true });
  });

  it('ends at once when the signal aborts, discarding the buffer', async () => {
    const events = source<number>();
    const controller = new AbortController();
    const iterator = eventIterator(events.subscribe, { signal: controller.signal });
    events.push(1);
    const first = await iterator.next();
    const waiting = iterator.next();
    events.push(2);
    events.push(3);
    await waiting;
    controller.abort();
    expect(first).toEqual({ value: 1, done: false });
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    expect(events.unsubscribedCount()).toBe(1);
  });

  it('never subscribes when the signal is already aborted', async () => {
    let subscribed = 0;
    const iterator = eventIterator<number>(
      () => {
        subscribed++;
        return () => {};
      },
      { signal: AbortSignal.abort() },
    );
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    expect(subscribed).toBe(0);
  });

  it('break in for-await unsubscribes through return()', async () => {
    const events = source<number>();
    const iterator = eventIterator(events.subscribe);
    events.push(1);
    events.push(2);
    for await (const value of iterator) {
      expect(value).toBe(1);
      break;
    }
    expect(events.unsubscribedCount()).toBe(1);
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('works with an emitter as the source', async () => {
    const emitter = new TypedEventEmitter<{ tick: [number] }>();
    const iterator = eventIterator<number>((push) => {
      emitter.on('tick', push);
      return () => emitter.off('tick', push);
    });
    emitter.emit('tick', 7);
    expect(await iterator.next()).toEqual({ value: 7, done: false });
    await iterator.return?.();
    expect(emitter.listenerCount('tick')).toBe(0);
  });
});
