/** The tier's alarms (src/alarms.ts), each notifying the tier's own topic. */
import { alarmDimensions, AlarmSpec, alarmSpecs } from '../design';
import { names } from '../naming';
import { cfnNames } from './common';
import { CfnResource, Fragment, ref, sub } from './intrinsics';
import { TIER } from '../regional/spec';
import { TierContext } from './tier-context';
import { alarmMetricLayout } from '../alerts/cloudwatch-defaults';

/**
 * Every alarm a tier with a peer runs. The ones that need the peer (its heartbeat, the
 * replication rule into it) carry the peer condition: until the peer's outputs are given
 * there is nothing for them to watch, and a missing heartbeat would breach.
 */
export function alarmsFragment(ctx: TierContext): Fragment {
  const rpoTargetSeconds = ctx.config.rpoTargetSeconds;
  const alone = new Set(
    alarmSpecs({ rpoTargetSeconds, watchesPeer: false, replicatesDocuments: false }).map((s) => s.logicalId),
  );
  const out: Fragment = {};
  for (const spec of alarmSpecs({ rpoTargetSeconds, watchesPeer: true, replicatesDocuments: true })) {
    const alarm = alarmResource(ctx, spec);
    out[ctx.ids.alarm(spec.logicalId)] = alone.has(spec.logicalId)
      ? alarm
      : { Condition: ctx.peer.condition, ...alarm };
  }
  return out;
}

function alarmResource(ctx: TierContext, spec: AlarmSpec): CfnResource {
  const topic = ref(ctx.ids.topic);
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: sub(names.alarm(cfnNames, spec.nameSuffix, TIER[ctx.role].alarmQualifier)),
      AlarmDescription: spec.description,
      ComparisonOperator: spec.comparisonOperator,
      EvaluationPeriods: spec.evaluationPeriods,
      ...(spec.datapointsToAlarm ? { DatapointsToAlarm: spec.datapointsToAlarm } : {}),
      Threshold: spec.threshold,
      TreatMissingData: spec.treatMissingData,
      AlarmActions: [topic],
      OKActions: [topic],
      ...metricOf(ctx, spec),
    },
  };
}

/** The spec's metric layout (src/alerts/cloudwatch-defaults.ts) in CloudFormation's properties. */
function metricOf(ctx: TierContext, spec: AlarmSpec) {
  const dims = Object.entries(
    alarmDimensions(spec, {
      tableName: ctx.table.name,
      functionName: ref(ctx.ids.processor),
      heartbeatFunctionName: ref(ctx.ids.heartbeatFunction),
      region: ctx.env.region,
      peerRegion: ctx.env.peerRegion,
      documentReplication: {
        sourceBucket: ref(ctx.ids.documentsBucket),
        destinationBucket: ctx.peer.bucketName,
        ruleId: TIER[ctx.role].replicationRuleId,
      },
    }),
  ).map(([Name, Value]) => ({ Name, Value }));
  const layout = alarmMetricLayout(spec, dims);
  if (layout.kind === 'single') {
    const m = layout.metric;
    return {
      Namespace: m.namespace,
      MetricName: m.metricName,
      Statistic: m.stat,
      Period: m.period,
      Dimensions: m.dimensions,
    };
  }
  return {
    Metrics: layout.queries.map((q) =>
      'metric' in q
        ? {
            Id: q.id,
            ReturnData: q.returnData,
            MetricStat: {
              Metric: {
                Namespace: q.metric.namespace,
                MetricName: q.metric.metricName,
                Dimensions: q.metric.dimensions,
              },
              Period: q.metric.period,
              Stat: q.metric.stat,
            },
          }
        : { Id: q.id, Expression: q.expression, Label: q.label, ReturnData: q.returnData },
    ),
  };
}
