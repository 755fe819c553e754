/** What a regional tier fragment is rendered from: its role, ids, region and peer. */
import type { TapConfig } from '../config';
import type { Env } from '../design';
import type { TierRole } from '../regional/regional-tier';
import type { ConditionId, TierIds } from './ids';
import { CfnExpr, CfnValue } from './intrinsics';

/** The other region's tier, once its outputs are known (a later deploy step passes them in). */
export interface PeerTier {
  /** True once the peer's outputs were given: replicate documents into it and watch its heartbeat. */
  readonly condition: ConditionId;
  readonly bucketName: CfnValue;
  readonly keyArn: CfnValue;
}

export interface TierContext {
  readonly config: TapConfig;
  readonly role: TierRole;
  readonly ids: TierIds;
  readonly handlerCode: string;
  /** This template's region as `region`, the other region as `peerRegion` (as Terraform's tier env). */
  readonly env: Env<CfnExpr>;
  readonly keyArn: CfnValue;
  /** The global table's name, and its ARN in this region. */
  readonly table: { readonly name: CfnValue; readonly arn: CfnValue };
  readonly peer: PeerTier;
}
