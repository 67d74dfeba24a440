export { ConfigException, formatJava } from './config-exception.js';
export {
  Password,
  type BrokerConfigSpec,
  type ConfigSpec,
  type ConfigType,
  type ConfigValue,
  type ConfigValueTypes,
  type DynamicUpdateMode,
  type Importance,
  type Problem,
  type TopicConfigSpec,
  type TopicSynonym,
  type Validator,
  type ValueOfSpec,
} from './types.js';
export { BROKER_CONFIGS, LONG_MAX, type BrokerConfigName, type BrokerConfigTable } from './broker-configs.js';
export { TOPIC_CONFIGS, type TopicConfigName, type TopicConfigTable } from './topic-configs.js';
export { parseProperties, parseOverrides, PROPERTIES_MAX_CHARS, OVERRIDES_MAX } from './properties.js';
export { parseValue, formatValue, formatJavaDouble, parseAndValidate } from './parse-value.js';
export { parseConnectionsPerIpOverrides } from './validators.js';
export {
  parseListeners,
  parseSecurityProtocolMap,
  parseQuorumVoters,
  parseQuorumBootstrapServers,
  SECURITY_PROTOCOLS,
  type Endpoint,
  type HostPort,
  type QuorumVoter,
  type SecurityProtocol,
} from './endpoints.js';
export {
  BrokerConfig,
  brokerConfigSpec,
  type BrokerConfigLayers,
  type BrokerConfigValue,
  type ProcessRole,
} from './broker-config.js';
export {
  TopicConfig,
  topicConfigSpec,
  parseTopicOverrides,
  type ResolvedTopicConfig,
  type TopicConfigValue,
} from './topic-config.js';
export {
  CONFIG_SOURCE_ID,
  CONFIG_TYPE_ID,
  brokerConfigSynonyms,
  describeBrokerConfig,
  describeBrokerConfigs,
  type ConfigEntry,
  type ConfigSource,
  type ConfigSynonym,
} from './describe.js';
export { METADATA_VERSION_STRINGS, LATEST_PRODUCTION_METADATA_VERSION, isValidMetadataVersion } from './metadata-version.js';
export { renderConfigDoc } from './config-doc.js';
