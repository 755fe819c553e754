/* global expect */
// Registers cdktf's jest matchers (toHaveResourceWithProperties, toHaveProvider, ...) in every test
// file, lazily: cdktf is loaded, and its matchers made, the first time a file calls one. Loading it
// costs about 0.2 s of CPU, and most files never call them.
const MATCHERS = [
  'toHaveResource',
  'toHaveResourceWithProperties',
  'toHaveDataSource',
  'toHaveDataSourceWithProperties',
  'toHaveProvider',
  'toHaveProviderWithProperties',
  'toBeValidTerraform',
  'toPlanSuccessfully',
];

let cdktfMatchers;
/** cdktf's own matchers, as Testing.setupJest() hands them to expect.extend. */
function matchers() {
  if (!cdktfMatchers) {
    const extend = expect.extend;
    expect.extend = (made) => (cdktfMatchers = made);
    try {
      require('cdktf').Testing.setupJest();
    } finally {
      expect.extend = extend;
    }
    const names = Object.keys(cdktfMatchers).sort().join();
    if (names !== [...MATCHERS].sort().join())
      throw new Error(`setup.js: cdktf's matchers are now ${names}; update MATCHERS to match`);
  }
  return cdktfMatchers;
}

expect.extend(
  Object.fromEntries(
    MATCHERS.map((name) => [
      name,
      function (...args) {
        return matchers()[name].apply(this, args);
      },
    ]),
  ),
);
