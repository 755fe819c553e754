// Runs one export of the built handler bundle as Lambda would, in a process of its own: its
// environment is the deployed function's (the parent sets it: the function's variables, the region,
// the emulator endpoint, the credentials), so the SDK clients inside resolve that region's endpoint,
// sign with that function's own credentials (the call recorder tells functions apart by access key
// id), and nothing leaks between regions. Used by the e2e lifecycle and scripts/record-calls.ts.
//   node invoke-bundle.js BUNDLE EXPORT '[{"event": {...}, "requestId": "r1"}, ...]'  -> JSON array of results
'use strict';
const [bundle, name, calls] = process.argv.slice(2);
const out = process.stdout.write.bind(process.stdout);
// What the function logs goes where Lambda would send it (CloudWatch Logs), here stderr; stdout carries the results only.
console.log = console.info = console.warn = (...args) => process.stderr.write(args.join(' ') + '\n');
const handler = require(bundle)[name];
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
