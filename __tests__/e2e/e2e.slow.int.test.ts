import { describeWithTerraform } from '../helpers/terraform';
import { describeLifecycles, E2E_TITLE } from './configurations';

/**
 * The e2e of e2e.int.test.ts for the configurations whose floor is the provider's fixed waits
 * (configurations.ts): STANDBY_PROCESSOR=false, another region pair, and RETAIN_ON_DELETE=true
 * (destroy refuses; scripts/teardown-retained.sh then removes everything). `npm run test:slow`.
 */
describeWithTerraform(`${E2E_TITLE} (slow suite)`, () => describeLifecycles('slow'));
