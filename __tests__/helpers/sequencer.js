// jest's default order puts a file with no timing cache (a fresh clone) by size, so the small e2e
// file, which mostly waits on the provider, would start last and set the pace. These files start
// first, longest wall first, so their waits overlap the CPU-bound files; the rest keep jest's order.
const Sequencer = require('@jest/test-sequencer').default;

const FIRST = [
  '__tests__/e2e/e2e.slow.int.test.ts',
  '__tests__/dr-check.int.test.ts',
  '__tests__/user-tools.int.test.ts',
  '__tests__/e2e/stage-order.int.test.ts',
  '__tests__/e2e/e2e.int.test.ts',
  '__tests__/terraform-plan.int.test.ts',
  '__tests__/lambda.int.test.ts',
  '__tests__/cfn-lint.int.test.ts',
  '__tests__/finality.int.test.ts',
];

class WaitsFirst extends Sequencer {
  sort(tests) {
    const rank = (t) => {
      const i = FIRST.findIndex((f) => t.path.endsWith(f));
      return i < 0 ? FIRST.length : i;
    };
    // Array.prototype.sort is stable: the rest stay in jest's order.
    return [...super.sort(tests)].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = WaitsFirst;
