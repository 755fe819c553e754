/**
 * The access trail's hardening, as data: the Terraform AuditTrail (./audit-trail.ts) and the
 * CloudFormation tier (src/cloudformation/tier.ts) both render it. Single-region: a region keeps
 * its own trail, so losing one region does not lose the other's. Which events it records is
 * src/watch/spec.ts's (trailEventSelectors).
 */
export const TRAIL_DEFAULTS = {
  enableLogFileValidation: true,
  isMultiRegionTrail: false,
  includeGlobalServiceEvents: false,
} as const;
