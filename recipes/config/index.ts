/** Config centres: {@link ConfigSubscription} and its codec. */
export {
  ConfigParseError,
  type ConfigParser,
  type ConfigSerializer,
  type ConfigState,
  parseConfigState,
  parseJson,
  serializeJson,
} from './config-codec';
export {
  type ConfigChange,
  type ConfigChangeType,
  ConfigSubscription,
  type ConfigSubscriptionEvents,
  type ConfigSubscriptionOptions,
  type PublishOptions,
} from './config-subscription';
