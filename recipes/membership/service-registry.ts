/**
 * ServiceRegistry: registration and discovery for microservices. An instance is an
 * EPHEMERAL JSON node `<basePath>/<name>/<id>` (Curator's service-discovery layout and
 * field names: name, id, address, port, payload, registrationTimeUTC, serviceType), kept in
 * place by {@link EphemeralNode}: re-registered after a new session, re-created if deleted.
 * `instances(name)` lists a service now; `watch(name)` yields the whole list at start and
 * after every change.
 *
 * Connection states: SUSPENDED: our instances probably remain registered; watched lists may
 * be stale and nothing is yielded until the connection returns. LOST: the server dropped
 * our instances with the session (others stop seeing them); on RECONNECTED they are
 * registered again and watches rebuild their lists and yield the current one.
 *
 * ```ts
 * const registry = new ServiceRegistry(client);
 * await registry.register({ name: 'billing', id: 'b-1', address: '10.0.0.5', port: 8080 });
 * for await (const list of registry.watch('billing')) balancer.update(list);
 * ```
 */
import { NoNodeError, type ZooKitClient } from '../../src/index';
import { assert } from '../../src/util/assert';
import type { ChildData } from '../cache/cache-storage';
import { CuratorCache } from '../cache/curator-cache';
import { AsyncChannel } from '../cache/waiting';
import { EphemeralNode } from './ephemeral-node';

/** What a service instance registers. */
export interface ServiceInstanceSpec<P = unknown> {
  /** Service name (one node name). */
  name: string;
  /** Instance id, unique within the service (one node name). */
  id: string;
  address: string;
  port: number;
  /** Any JSON value. */
  payload?: P;
}

/** A registered instance, as stored (JSON). */
export interface ServiceInstance<P = unknown> extends ServiceInstanceSpec<P> {
  /** When it was registered, ms since the epoch (UTC). */
  registrationTimeUTC: number;
  serviceType: 'DYNAMIC';
}

/** One registration; `unregister()` removes it. */
export interface ServiceRegistration<P = unknown> {
  readonly instance: ServiceInstance<P>;
  /** Replaces the payload (keeps the registration time). */
  update(payload: P): Promise<void>;
  /** Removes the instance. Idempotent. */
  unregister(): Promise<void>;
}

/** Options of {@link ServiceRegistry}. */
export interface ServiceRegistryOptions {
  /** Parent of every service (default `/services`). */
  basePath?: string;
}

/** Parses an instance node's JSON; `undefined` for bytes that are not an instance (pure). */
export function parseServiceInstance<P>(bytes: Buffer): ServiceInstance<P> | undefined {
  try {
    const value = JSON.parse(bytes.toString('utf8')) as Partial<ServiceInstance<P>> | null;
    if (value === null || typeof value !== 'object') return undefined;
    if (typeof value.name !== 'string' || typeof value.id !== 'string') return undefined;
    if (typeof value.address !== 'string' || typeof value.port !== 'number') return undefined;
    return value as ServiceInstance<P>;
  } catch {
    return undefined;
  }
}

/** Sorts instances by id (pure; a stable order for balancers and tests). */
export function sortInstances<P>(instances: ServiceInstance<P>[]): ServiceInstance<P>[] {
  return instances.sort((left, right) => (left.id < right.id ? -1 : left.id > right.id ? 1 : 0));
}

/** Registers and discovers service instances. */
export class ServiceRegistry {
  readonly basePath: string;
  private readonly registrations = new Map<string, EphemeralNode>();
  private readonly watches = new Set<CuratorCache>();

  constructor(
    private readonly client: ZooKitClient,
    options: ServiceRegistryOptions = {},
  ) {
    this.basePath = options.basePath ?? '/services';
  }

  /** Registers an instance; resolves once its node exists. */
  async register<P>(spec: ServiceInstanceSpec<P>): Promise<ServiceRegistration<P>> {
    assertNodeName(spec.name, 'service name');
    assertNodeName(spec.id, 'instance id');
    assert(Number.isInteger(spec.port) && spec.port >= 0 && spec.port <= 65_535, 'port must be 0..65535');
    const path = this.instancePath(spec.name, spec.id);
    assert(!this.registrations.has(path), `${path} is registered already by this registry`);
    const instance: ServiceInstance<P> = { ...spec, registrationTimeUTC: Date.now(), serviceType: 'DYNAMIC' };
    const node = new EphemeralNode(this.client, path, JSON.stringify(instance));
    this.registrations.set(path, node);
    try {
      await node.start();
    } catch (error) {
      this.registrations.delete(path);
      await node.close().catch(() => undefined);
      throw error;
    }
    return {
      instance,
      update: async (payload) => {
        instance.payload = payload;
        await node.setData(JSON.stringify(instance));
      },
      unregister: () => this.unregister(spec.name, spec.id),
    };
  }

  /** Removes an instance this registry registered. Idempotent. */
  async unregister(name: string, id: string): Promise<void> {
    const path = this.instancePath(name, id);
    const node = this.registrations.get(path);
    this.registrations.delete(path);
    await node?.close();
  }

  /** The instances of `name` now, sorted by id. */
  async instances<P = unknown>(name: string): Promise<ServiceInstance<P>[]> {
    assertNodeName(name, 'service name');
    const servicePath = `${this.basePath}/${name}`;
    let ids: string[];
    try {
      ids = await this.client.getChildren(servicePath);
    } catch (error) {
      if (error instanceof NoNodeError) return [];
      throw error;
    }
    const reads = await Promise.all(ids.map((id) => this.readInstance<P>(`${servicePath}/${id}`)));
    return sortInstances(reads.filter((instance): instance is ServiceInstance<P> => instance !== undefined));
  }

  /**
   * The instances of `name` as they change: the current list first, then a new list after
   * every change, until the iterator's `return()`, `signal` or `close()`.
   */
  watch<P = unknown>(
    name: string,
    options: { signal?: AbortSignal } = {},
  ): AsyncIterableIterator<ServiceInstance<P>[]> {
    assertNodeName(name, 'service name');
    const servicePath = `${this.basePath}/${name}`;
    const cache = new CuratorCache(this.client, servicePath);
    const stop = (): void => {
      this.watches.delete(cache);
      void cache.close();
    };
    const channel = new AsyncChannel<ServiceInstance<P>[]>(stop, 64);
    const publish = (): void => channel.push(listFrom<P>(cache.childrenOf(servicePath)));
    let initialized = false;
    cache.on('initialized', () => {
      initialized = true;
      publish();
    });
    cache.on('event', () => {
      if (initialized) publish();
    });
    options.signal?.addEventListener('abort', () => void channel.return(), { once: true });
    this.watches.add(cache);
    cache.start().catch((error: unknown) => {
      channel.fail(error);
      stop();
    });
    return channel;
  }

  /** Unregisters every instance and ends every watch. Idempotent. */
  async close(): Promise<void> {
    const nodes = [...this.registrations.values()];
    this.registrations.clear();
    const caches = [...this.watches];
    this.watches.clear();
    await Promise.all([...nodes.map((node) => node.close()), ...caches.map((cache) => cache.close())]);
  }

  /** `await using` support. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private instancePath(name: string, id: string): string {
    return `${this.basePath}/${name}/${id}`;
  }

  private async readInstance<P>(path: string): Promise<ServiceInstance<P> | undefined> {
    try {
      return parseServiceInstance<P>((await this.client.getData(path)).data);
    } catch (error) {
      if (error instanceof NoNodeError) return undefined;
      throw error;
    }
  }
}

function listFrom<P>(children: ChildData[]): ServiceInstance<P>[] {
  const instances: ServiceInstance<P>[] = [];
  for (const child of children) {
    const instance = parseServiceInstance<P>(child.data);
    if (instance !== undefined) instances.push(instance);
  }
  return sortInstances(instances);
}

function assertNodeName(value: string, what: string): void {
  assert(value.length > 0 && !value.includes('/'), `a ${what} is one non-empty node name`);
}
