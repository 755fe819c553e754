// The long files start first, longest first (the lists and why: ./suites.js); the rest keep
// jest's order (by last run's duration, or by size on a fresh clone).
const Sequencer = require('@jest/test-sequencer').default;
const { SLOW, LONGEST_FIRST } = require('./suites');

const ORDER = [...SLOW, ...LONGEST_FIRST].map((f) => `/${f}`);

class LongestFirst extends Sequencer {
  sort(tests) {
    const rank = (t) => {
      const i = ORDER.findIndex((f) => t.path.endsWith(f));
      return i < 0 ? ORDER.length : i;
    };
    // Array.prototype.sort is stable: the rest stay in jest's order.
    return [...super.sort(tests)].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = LongestFirst;
