/**
 * Facts both deliverables need that the Terraform side still spells inside its constructs
 * (which the emitter must not import: they load cdktf). Each is spelled here once for the
 * CloudFormation side, and __tests__/parity.test.ts compares it with the Terraform output.
 *
 * TODO(lead): move to design.ts (each comment names the Terraform file that spells it today),
 * then import it on both sides and delete this file.
 */
import { RTC_MINUTES } from '../alarms';
import { names, NameParts } from '../naming';
import type { TierRole } from '../regional/regional-tier';

/** src/regional-tier.ts TIER and src/tap-stack.ts REPLICATION_RULES / replicate(). */
export const TIER_FACTS: Readonly<
  Record<TierRole, { processorRole(p: NameParts): string; replicationRole(p: NameParts): string; alarmQualifier: string; replicationRuleId: string }>
> = {
  primary: {
    processorRole: names.processorRole,
    replicationRole: names.documentReplicationRole,
    alarmQualifier: '',
    replicationRuleId: 'documents-to-secondary',
  },
  standby: {
    processorRole: names.standbyProcessorRole,
    replicationRole: names.documentFailbackRole,
    alarmQualifier: '-standby',
    replicationRuleId: 'documents-to-primary',
  },
};

/** src/transaction-processor.ts */
export const PROCESSOR_FACTS = {
  description: 'Validates and records payment transactions in the global table',
  roleDescription: 'Least-privilege execution role of the tap-dr transaction processor',
  policyName: 'transaction-processor',
  codeSigningDescription: 'Only packages signed by the configured AWS Signer profile deploy',
} as const;

/** src/regional-tier.ts regionalFunctions(): the next minute's run is the retry. */
export const HEARTBEAT_FACTS = { scheduleDescription: 'Every minute: the replication heartbeat', maximumRetryAttempts: 0 } as const;

/** src/cross-region-role.ts */
export const CROSS_REGION_FACTS = { maxSessionDuration: 3600, policyName: 'cross-region-access' } as const;

/** src/document-replication.ts and src/tap-stack.ts: one rule per direction, re-encrypted, with RTC. */
export const REPLICATION_FACTS = {
  policyName: 'document-replication',
  description: (from: string, into: string) => `S3 replication of tap-dr documents from ${from} into ${into}`,
  priority: 1,
  prefix: '',
  deleteMarkerReplication: 'Disabled',
  sseKmsEncryptedObjects: 'Enabled',
  storageClass: 'STANDARD',
  rtcMinutes: RTC_MINUTES,
} as const;

/** src/transaction-keys.ts: what each region's key is for. */
export const KEY_FACTS = {
  primary: (p: NameParts) => `tap-dr ${p.suffix}: transactions, documents, logs and alerts (primary)`,
  secondary: (p: NameParts) => `tap-dr ${p.suffix}: transactions replica and standby (secondary)`,
} as const;
