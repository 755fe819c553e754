/** The alarms' metric layout as data (src/alerts/cloudwatch-defaults.ts), rendered by both deliverables. */
import { alarmSpecs, AlarmSpec } from '../../src/alarms';
import { alarmMetricLayout, MATH_QUERY_ID } from '../../src/alerts/cloudwatch-defaults';
import { templatesFor } from '../helpers/cfn';
import { resourcesOf, synthStack } from '../helpers/synth';

const specs = alarmSpecs({ rpoTargetSeconds: 60, watchesPeer: true, replicatesDocuments: true });
const math = specs.find((s) => s.expression)!;
const single = specs.find((s) => !s.expression)!;

describe('the layout', () => {
  it('one metric: its namespace, name, statistic and the period', () => {
    expect(alarmMetricLayout(single, 'D')).toEqual({
      kind: 'single',
      metric: {
        namespace: single.namespace,
        metricName: single.metrics[0].metricName,
        stat: single.metrics[0].stat,
        period: single.period,
        dimensions: 'D',
      },
    });
  });

  it('metric math: the expression returns data under the description; the metrics it reads are hidden', () => {
    const layout = alarmMetricLayout(math, 'D');
    expect(layout.kind).toBe('math');
    if (layout.kind !== 'math') return;
    expect(layout.queries[0]).toEqual({
      id: MATH_QUERY_ID,
      expression: math.expression,
      label: math.description,
      returnData: true,
    });
    expect(layout.queries.slice(1).map((q) => [q.id, q.returnData])).toEqual(math.metrics.map((m) => [m.id, false]));
  });
});

/** What a rendered alarm says about its layout, in a common form (dimensions left out: alarms.ts owns them). */
type Shape = Array<[string | undefined, string | undefined, boolean | undefined, string?, string?, string?, number?]>;
const shapeOf = (s: AlarmSpec): Shape => {
  const l = alarmMetricLayout(s, undefined);
  if (l.kind === 'single') {
    return [[undefined, undefined, undefined, l.metric.namespace, l.metric.metricName, l.metric.stat, l.metric.period]];
  }
  return l.queries.map((q) =>
    'metric' in q
      ? [q.id, undefined, q.returnData, q.metric.namespace, q.metric.metricName, q.metric.stat, q.metric.period]
      : [q.id, q.label, q.returnData],
  );
};

describe('Terraform renders it on every alarm', () => {
  const { json } = synthStack();
  const alarms = resourcesOf(json, 'aws_cloudwatch_metric_alarm');
  it.each(specs.map((s) => [s.logicalId, s] as const))('%s', (_id, spec) => {
    const rendered = alarms.filter((a) => a.alarm_description === spec.description);
    expect(rendered).toHaveLength(2); // both regions
    for (const a of rendered) {
      const shape: Shape = a.metric_query
        ? a.metric_query.map((q: any) =>
            q.metric
              ? [q.id, q.label, q.return_data, q.metric.namespace, q.metric.metric_name, q.metric.stat, q.metric.period]
              : [q.id, q.label, q.return_data],
          )
        : [[undefined, undefined, undefined, a.namespace, a.metric_name, a.statistic, a.period]];
      expect(shape).toEqual(shapeOf(spec));
    }
  });
});

describe('CloudFormation renders it on every alarm', () => {
  const { primary, secondary } = templatesFor();
  const alarms = [primary, secondary].flatMap((t) =>
    Object.values(t.Resources)
      .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
      .map((r) => r.Properties as Record<string, any>),
  );
  it.each(specs.map((s) => [s.logicalId, s] as const))('%s', (_id, spec) => {
    const rendered = alarms.filter((a) => a.AlarmDescription === spec.description);
    expect(rendered).toHaveLength(2); // both templates
    for (const a of rendered) {
      const shape: Shape = a.Metrics
        ? a.Metrics.map((q: any) =>
            q.MetricStat
              ? [
                  q.Id,
                  q.Label,
                  q.ReturnData,
                  q.MetricStat.Metric.Namespace,
                  q.MetricStat.Metric.MetricName,
                  q.MetricStat.Stat,
                  q.MetricStat.Period,
                ]
              : [q.Id, q.Label, q.ReturnData],
          )
        : [[undefined, undefined, undefined, a.Namespace, a.MetricName, a.Statistic, a.Period]];
      expect(shape).toEqual(shapeOf(spec));
    }
  });
});
