import * as fs from 'fs';
import * as path from 'path';
import { buildLambdaBundle, PROJECT_ROOT } from '../src/lambda-bundle';

const dir = path.join(PROJECT_ROOT, 'dist', `bundle-test-${process.pid}`);
const stamp = `${dir}.stamp.json`;

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(stamp, { force: true });
});

describe('the Lambda bundle', () => {
  const first = buildLambdaBundle(dir);

  it('is one minified CommonJS file exporting the handler, with the AWS SDK left external', () => {
    expect(fs.readdirSync(dir)).toEqual(['index.js']);
    expect(first.code).toMatch(/exports\.handler=/);
    expect(first.code).toContain('require(`@aws-sdk/client-${');
    expect(first.code).not.toMatch(/DynamoDBClient\s*=\s*class|smithy/);
    expect(first.code.split('\n').length).toBeLessThanOrEqual(2);
  });

  it('stamps every input it was built from', () => {
    expect(JSON.parse(fs.readFileSync(stamp, 'utf8')).inputs).toEqual([
      'lambda/aws.ts',
      'lambda/index.ts',
      'lambda/processor.ts',
      'lambda/validate.ts',
    ]);
  });

  it('is reused when nothing changed', () => {
    const before = fs.statSync(first.file).mtimeMs;
    expect(buildLambdaBundle(dir).code).toBe(first.code);
    expect(fs.statSync(first.file).mtimeMs).toBe(before);
  });

  it('is rebuilt when the output was edited, a stray file appeared, or an input changed', () => {
    fs.writeFileSync(first.file, 'tampered');
    expect(buildLambdaBundle(dir).code).toBe(first.code);

    fs.writeFileSync(path.join(dir, 'stray.js'), '');
    buildLambdaBundle(dir);
    expect(fs.readdirSync(dir)).toEqual(['index.js']);

    const s = JSON.parse(fs.readFileSync(stamp, 'utf8'));
    fs.writeFileSync(stamp, JSON.stringify({ ...s, hash: 'an input changed' }));
    const before = fs.statSync(first.file).mtimeMs;
    expect(buildLambdaBundle(dir).code).toBe(first.code);
    expect(fs.statSync(first.file).mtimeMs).toBeGreaterThan(before);
  });
});
