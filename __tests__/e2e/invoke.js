// Runs the built handler bundle as Lambda would in one region: a fresh Node process whose
// environment is the deployed function's (plus the region and the emulator endpoint), so the
// SDK clients inside the bundle resolve that region's endpoint and nothing leaks between regions.
//   node invoke.js BUNDLE '[{"event": {...}, "requestId": "r1"}, ...]'   -> JSON array of responses
'use strict';
const [bundle, calls] = process.argv.slice(2);
const out = process.stdout.write.bind(process.stdout);
// What the function logs goes where Lambda would send it (CloudWatch Logs), here stderr; stdout carries the results only.
console.log = console.info = console.warn = (...args) => process.stderr.write(args.join(' ') + '\n');
const { handler } = require(bundle);
(async () => {
  const results = [];
  for (const c of JSON.parse(calls)) {
    try {
      results.push(await handler(c.event, { awsRequestId: c.requestId }));
    } catch (e) {
      results.push({ statusCode: -1, error: String(e && e.stack ? e.stack : e) });
    }
  }
  out(JSON.stringify(results));
})();
