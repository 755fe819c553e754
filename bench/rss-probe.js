// Loaded into every node process of a benchmarked command (NODE_OPTIONS=--require):
// appends the process's peak RSS in KiB to $TAP_BENCH_RSS_FILE when it exits.
const fs = require('fs');

const file = process.env.TAP_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    fs.appendFileSync(file, `${process.resourceUsage().maxRSS}\n`);
  });
}
