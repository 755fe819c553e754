import { Construct } from 'constructs';
import { AcmCertificate } from '@cdktf/provider-aws/lib/acm-certificate';
import { AcmCertificateValidation } from '@cdktf/provider-aws/lib/acm-certificate-validation';
import { Apigatewayv2ApiMapping } from '@cdktf/provider-aws/lib/apigatewayv2-api-mapping';
import { Apigatewayv2DomainName } from '@cdktf/provider-aws/lib/apigatewayv2-domain-name';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Route53HealthCheck } from '@cdktf/provider-aws/lib/route53-health-check';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { DNS_FAILOVER } from './spec';
import { RegionalApi } from '../regional/regional-api';

export interface DnsFailoverProps {
  readonly hostedZoneId: string;
  readonly domainName: string;
  readonly primary: {
    readonly api: RegionalApi;
    readonly provider?: AwsProvider;
    /** The primary's region-health alarm (src/alarms.ts REGION_HEALTH) and its region. */
    readonly healthAlarm: CloudwatchMetricAlarm;
    readonly region: string;
  };
  readonly standby: { readonly api: RegionalApi; readonly provider: AwsProvider };
}

/**
 * One name for callers, answered by whichever region is healthy: a certificate and a
 * regional custom domain in each region, a Route 53 health check that follows the primary's
 * region-health alarm, and PRIMARY/SECONDARY failover alias records. Nobody has to act when
 * the primary fails, and no request from outside can make it look failed.
 */
export class DnsFailover extends Construct {
  readonly healthCheck: Route53HealthCheck;

  constructor(scope: Construct, id: string, props: DnsFailoverProps) {
    super(scope, id);
    const certs = this.certificates(props);
    const domains = this.domains(props, certs);
    this.healthCheck = this.failoverRecords(props, domains);
  }

  /** A certificate in each region, and the one DNS record that validates both. */
  private certificates(props: DnsFailoverProps) {
    const { hostedZoneId, domainName } = props;
    const certificate = (region: 'primary' | 'standby', provider?: AwsProvider) =>
      new AcmCertificate(this, `${region}-certificate`, {
        provider,
        domainName,
        validationMethod: 'DNS',
        lifecycle: { createBeforeDestroy: true },
      });
    const certs = {
      primary: certificate('primary', props.primary.provider),
      standby: certificate('standby', props.standby.provider),
    };
    // ACM's validation record for a name is the same in every region of an account: one record validates both.
    const option = certs.primary.domainValidationOptions.get(0);
    const validation = new Route53Record(this, 'validation-record', {
      zoneId: hostedZoneId,
      name: option.resourceRecordName,
      type: option.resourceRecordType,
      records: [option.resourceRecordValue],
      ttl: 300,
      allowOverwrite: true,
    });
    return { certs, validation };
  }

  /** In each region: the validated certificate, the custom domain on it, and its mapping to the API. */
  private domains(props: DnsFailoverProps, { certs, validation }: ReturnType<DnsFailover['certificates']>) {
    const { domainName } = props;
    const domain = (region: 'primary' | 'standby', api: RegionalApi, provider?: AwsProvider) => {
      const validated = new AcmCertificateValidation(this, `${region}-validation`, {
        provider,
        certificateArn: certs[region].arn,
        validationRecordFqdns: [validation.fqdn],
      });
      const name = new Apigatewayv2DomainName(this, `${region}-domain`, {
        provider,
        domainName,
        domainNameConfiguration: {
          certificateArn: validated.certificateArn,
          endpointType: 'REGIONAL',
          securityPolicy: 'TLS_1_2',
        },
      });
      new Apigatewayv2ApiMapping(this, `${region}-mapping`, {
        provider,
        apiId: api.api.id,
        domainName: name.id,
        stage: api.stage.id,
      });
      return name;
    };
    return {
      primary: domain('primary', props.primary.api, props.primary.provider),
      standby: domain('standby', props.standby.api, props.standby.provider),
    };
  }

  /** The health check on the primary's region-health alarm, and the PRIMARY/SECONDARY failover records. */
  private failoverRecords(props: DnsFailoverProps, domains: ReturnType<DnsFailover['domains']>): Route53HealthCheck {
    const { hostedZoneId, domainName } = props;
    const healthCheck = new Route53HealthCheck(this, 'primary-health', {
      type: DNS_FAILOVER.healthCheckType,
      cloudwatchAlarmName: props.primary.healthAlarm.alarmName,
      cloudwatchAlarmRegion: props.primary.region,
      insufficientDataHealthStatus: DNS_FAILOVER.insufficientDataHealthStatus,
      // The type change replaces the check: the record moves to the new one before the old goes.
      lifecycle: { createBeforeDestroy: true },
      tags: { Name: `${domainName} primary region health` },
    });
    for (const [role, failover] of [
      ['primary', 'PRIMARY'],
      ['standby', 'SECONDARY'],
    ] as const) {
      const target = domains[role].domainNameConfiguration;
      new Route53Record(this, `${role}-record`, {
        zoneId: hostedZoneId,
        name: domainName,
        type: 'A',
        setIdentifier: role,
        failoverRoutingPolicy: { type: failover },
        ...(role === 'primary' ? { healthCheckId: healthCheck.id } : {}),
        alias: { name: target.targetDomainName, zoneId: target.hostedZoneId, evaluateTargetHealth: true },
      });
    }
    return healthCheck;
  }
}
