/**
 * How an alarm's metrics are laid out, as data: one metric, or the spec's metric-math expression
 * (returned) over its metrics (hidden). src/alerts/dr-alarms.ts (Terraform) and
 * src/cloudformation/tier-alarms.ts render this layout; neither decides ids, labels or which query
 * returns data. No cdktf imports: the CloudFormation emitter loads this.
 */
import type { AlarmSpec } from '../alarms';

/** The id of the expression an alarm with metric math evaluates. */
export const MATH_QUERY_ID = 'total';

export interface MetricStatLayout<D> {
  readonly namespace: string;
  readonly metricName: string;
  readonly stat: string;
  readonly period: number;
  readonly dimensions: D;
}

export type MetricQueryLayout<D> =
  | { readonly id: string; readonly expression: string; readonly label: string; readonly returnData: true }
  | { readonly id: string; readonly returnData: false; readonly metric: MetricStatLayout<D> };

export type AlarmMetricLayout<D> =
  | { readonly kind: 'single'; readonly metric: MetricStatLayout<D> }
  | { readonly kind: 'math'; readonly queries: ReadonlyArray<MetricQueryLayout<D>> };

/** The layout of `spec`'s metrics, each dimensioned by `dimensions` (in the renderer's own form). */
export function alarmMetricLayout<D>(spec: AlarmSpec, dimensions: D): AlarmMetricLayout<D> {
  const stat = (m: AlarmSpec['metrics'][number]): MetricStatLayout<D> => ({
    namespace: spec.namespace,
    metricName: m.metricName,
    stat: m.stat,
    period: spec.period,
    dimensions,
  });
  if (!spec.expression) return { kind: 'single', metric: stat(spec.metrics[0]) };
  return {
    kind: 'math',
    queries: [
      // The alarm's description labels the math: it is what the console graphs.
      { id: MATH_QUERY_ID, expression: spec.expression, label: spec.description, returnData: true },
      ...spec.metrics.map((m) => ({ id: m.id, returnData: false as const, metric: stat(m) })),
    ],
  };
}
