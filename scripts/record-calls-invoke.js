// Runs one export of the built handler bundle as Lambda would, in a process of its own, so that
// its SDK clients sign with this function's own credentials (the recorder tells the functions
// apart by their access key id). The parent sets the environment: the function's variables, the
// region, the emulator endpoint and the credentials.
//   node record-calls-invoke.js BUNDLE EXPORT '[{"event": {...}, "requestId": "r1"}, ...]'  -> JSON array of results
'use strict';
const [bundle, name, calls] = process.argv.slice(2);
const out = process.stdout.write.bind(process.stdout);
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
