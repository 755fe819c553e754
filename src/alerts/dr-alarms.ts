import { Construct } from 'constructs';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { AlarmId, alarmDimensions, AlarmScope, AlarmSpec } from '../alarms';
import { alarmMetricLayout } from './cloudwatch-defaults';
import { names, NameParts } from '../naming';

export interface DrAlarmsProps {
  readonly names: NameParts;
  /** Which alarms (src/alarms.ts alarmSpecs) and what they watch. */
  readonly specs: readonly AlarmSpec[];
  readonly scope: AlarmScope<string>;
  /** The region's provider (alarms watch metrics of their own region); default when absent. */
  readonly provider?: AwsProvider;
  /** Appended to every alarm name, e.g. "-standby". */
  readonly nameQualifier?: string;
  /** Receives both ALARM and OK transitions, so on-call sees recoveries too. */
  readonly topicArn: string;
}

/** The region's alarms from src/alarms.ts, each wired to the region's alert topic. */
export class DrAlarms extends Construct {
  readonly byLogicalId: Readonly<Partial<Record<AlarmId, CloudwatchMetricAlarm>>>;

  constructor(scope: Construct, id: string, props: DrAlarmsProps) {
    super(scope, id);
    const byId: Partial<Record<AlarmId, CloudwatchMetricAlarm>> = {};
    for (const spec of props.specs) {
      byId[spec.logicalId] = new CloudwatchMetricAlarm(this, spec.logicalId, {
        provider: props.provider,
        alarmName: names.alarm(props.names, spec.nameSuffix, props.nameQualifier),
        alarmDescription: spec.description,
        comparisonOperator: spec.comparisonOperator,
        evaluationPeriods: spec.evaluationPeriods,
        ...(spec.datapointsToAlarm ? { datapointsToAlarm: spec.datapointsToAlarm } : {}),
        threshold: spec.threshold,
        treatMissingData: spec.treatMissingData,
        alarmActions: [props.topicArn],
        okActions: [props.topicArn],
        ...metricOf(spec, alarmDimensions(spec, props.scope)),
      });
    }
    this.byLogicalId = byId;
  }
}

/** The spec's metric layout (./cloudwatch-defaults.ts) in the provider's arguments. */
function metricOf(spec: AlarmSpec, dimensions: Record<string, string>) {
  const layout = alarmMetricLayout(spec, dimensions);
  if (layout.kind === 'single') {
    const { stat, ...m } = layout.metric;
    return { ...m, statistic: stat };
  }
  return { metricQuery: layout.queries.map((q) => ({ ...q })) };
}
