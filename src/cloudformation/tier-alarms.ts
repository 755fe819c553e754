/** The tier's alarms (src/alarms.ts), each notifying the tier's own topic. */
import { alarmDimensions, AlarmSpec, alarmSpecs } from '../design';
import { names } from '../naming';
import { cfnNames } from './common';
import { CfnResource, Fragment, ref, sub } from './intrinsics';
import { TIER } from '../regional/spec';
import { TierContext } from './tier-context';

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

/** One metric, or several combined by the spec's metric-math expression. */
function metricOf(ctx: TierContext, spec: AlarmSpec) {
  const dims = Object.entries(
    alarmDimensions(spec, {
      tableName: ctx.table.name,
      functionName: ref(ctx.ids.processor),
      heartbeatFunctionName: ref(ctx.ids.heartbeatFunction),
      region: ctx.env.region,
      peerRegion: ctx.env.secondaryRegion,
      documentReplication: {
        sourceBucket: ref(ctx.ids.documentsBucket),
        destinationBucket: ctx.peer.bucketName,
        ruleId: TIER[ctx.role].replicationRuleId,
      },
    }),
  ).map(([Name, Value]) => ({ Name, Value }));
  if (!spec.expression) {
    const [m] = spec.metrics;
    return {
      Namespace: spec.namespace,
      MetricName: m.metricName,
      Statistic: m.stat,
      Period: spec.period,
      Dimensions: dims,
    };
  }
  return {
    Metrics: [
      { Id: 'total', Expression: spec.expression, Label: spec.description, ReturnData: true },
      ...spec.metrics.map((m) => ({
        Id: m.id,
        ReturnData: false,
        MetricStat: {
          Metric: { Namespace: spec.namespace, MetricName: m.metricName, Dimensions: dims },
          Period: spec.period,
          Stat: m.stat,
        },
      })),
    ],
  };
}
