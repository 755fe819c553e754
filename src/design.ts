/**
 * The deliverable-neutral specs, by component: what each component is (settings, descriptions,
 * hardening, IAM and KMS policies over Dialect<T>), apart from how it is rendered. The Terraform
 * constructs and the CloudFormation emitter both read them from here, so a fact lives in one
 * place. Each component's spec lives in its folder; this module gathers them for importers.
 *
 * No cdktf imports here (the CloudFormation emitter must not load cdktf).
 */
export * from './dialect';
export * from './outputs';
export * from './access/spec';
export * from './documents/spec';
export * from './failover/spec';
export * from './keys/spec';
export * from './processor/spec';
export * from './regional/spec';
export * from './table/spec';
export { alarmDimensions, alarmSpecs } from './alarms';
export type { AlarmId, AlarmScope, AlarmSpec } from './alarms';
