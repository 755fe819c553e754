// `npm run build:lambda`: builds dist/lambda/index.js and reports its size.
import { buildLambdaBundle } from '../src/lambda-bundle';

const bundle = buildLambdaBundle();
process.stdout.write(`${bundle.file}: ${bundle.bytes} bytes\n`);
