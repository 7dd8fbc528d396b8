/** Membership: group members and a service registry, on ephemeral nodes kept in place. */
export { EphemeralNode, EphemeralNodeConflictError, type EphemeralNodeEvents } from './ephemeral-node';
export { GroupMember, idFromPath } from './group-member';
export {
  parseServiceInstance,
  type ServiceInstance,
  type ServiceInstanceSpec,
  type ServiceRegistration,
  ServiceRegistry,
  type ServiceRegistryOptions,
  sortInstances,
} from './service-registry';
