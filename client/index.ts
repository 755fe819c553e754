/** The failover-aware client callers use to reach the stack's regional entry points (docs/CLIENT.md). */
export {
  createFailoverClient,
  DEFAULTS,
  FAILBACK_DEFAULTS,
  FailoverError,
  InFlightConflictError,
  REMEMBERED_ACKNOWLEDGEMENTS,
  resolveSettings,
} from './failover-client';
export type {
  Attempt,
  Credentials,
  Deadlines,
  FailoverClient,
  FailoverClientOptions,
  FailoverOutcome,
  FetchLike,
  Outcome,
  RegionalEndpoint,
  RegionRole,
  Result,
  TransactionInput,
} from './failover-client';
