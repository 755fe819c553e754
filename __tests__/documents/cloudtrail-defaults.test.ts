/** The access trail's hardening as data (src/documents/cloudtrail-defaults.ts), rendered by both deliverables. */
import { TRAIL_DEFAULTS } from '../../src/documents/cloudtrail-defaults';
import { templatesFor } from '../helpers/cfn';
import { resourcesOf, synthStack } from '../helpers/synth';

const { json: tf } = synthStack();
const { primary, secondary } = templatesFor();

it('validates log files and stays in its own region, with no global service events', () => {
  expect(TRAIL_DEFAULTS).toEqual({
    enableLogFileValidation: true,
    isMultiRegionTrail: false,
    includeGlobalServiceEvents: false,
  });
});

it("Terraform renders it on both regions' trails", () => {
  const trails = resourcesOf(tf, 'aws_cloudtrail');
  expect(trails).toHaveLength(2);
  for (const t of trails) {
    expect({
      enableLogFileValidation: t.enable_log_file_validation,
      isMultiRegionTrail: t.is_multi_region_trail,
      includeGlobalServiceEvents: t.include_global_service_events,
    }).toEqual(TRAIL_DEFAULTS);
  }
});

it("CloudFormation renders it on both templates' trails, logging from creation", () => {
  const trails = [primary, secondary].flatMap((t) =>
    Object.values(t.Resources).filter((r) => r.Type === 'AWS::CloudTrail::Trail'),
  );
  expect(trails).toHaveLength(2);
  for (const { Properties: p } of trails as Array<{ Properties: Record<string, any> }>) {
    expect({
      enableLogFileValidation: p.EnableLogFileValidation,
      isMultiRegionTrail: p.IsMultiRegionTrail,
      includeGlobalServiceEvents: p.IncludeGlobalServiceEvents,
    }).toEqual(TRAIL_DEFAULTS);
    // CloudFormation's own: IsLogging is required there (Terraform's enable_logging defaults to true).
    expect(p.IsLogging).toBe(true);
  }
});
