import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { buildLambdaBundle, PROJECT_ROOT } from '../src/lambda-bundle';
import { zipSingleFile } from '../src/zip';
import { HANDLERS } from '../src/heartbeat-contract';

const dir = path.join(PROJECT_ROOT, 'dist', `bundle-test-${process.pid}`);
const stamp = `${dir}.stamp.json`;

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(stamp, { force: true });
  fs.rmSync(`${dir}.zip`, { force: true });
});

describe('the Lambda bundle', () => {
  const first = buildLambdaBundle(dir);

  it('is one minified CommonJS file exporting the handler, with the AWS SDK left external', () => {
    expect(fs.readdirSync(dir)).toEqual(['index.js']);
    // Every handler the stack names is an export of the one bundle; listing them runs no handler's setup.
    let exported: string[] = [];
    jest.isolateModules(() => (exported = Object.keys(require(first.file))));
    expect(exported.sort()).toEqual(Object.values(HANDLERS).sort());
    expect(first.code).toContain('require(`@aws-sdk/client-${');
    expect(first.code).not.toMatch(/DynamoDBClient\s*=\s*class|smithy/);
    expect(first.code.split('\n').length).toBeLessThanOrEqual(2);
  });

  it('stamps every input it was built from', () => {
    expect(JSON.parse(fs.readFileSync(stamp, 'utf8')).inputs).toEqual([
      'lambda/aws.ts',
      // The generated minor-unit table: regenerating it rebuilds the bundle.
      'lambda/currencies.generated.ts',
      'lambda/env-reader.ts',
      'lambda/env.ts',
      'lambda/health.ts',
      'lambda/heartbeat.ts',
      'lambda/index.ts',
      'lambda/json-scan.ts',
      'lambda/processor.ts',
      'lambda/regional-aws.ts',
      'lambda/regional-env.ts',
      'lambda/validate.ts',
      // The contracts with the stack are bundled in, so a change to them rebuilds the bundle.
      'src/contract.ts',
      'src/heartbeat-contract.ts',
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

describe('the deployment package', () => {
  const bundle = buildLambdaBundle(dir);

  it('is a valid zip holding exactly index.js, as a standard unzipper reads it', () => {
    const py = spawnSync(
      'python3',
      [
        '-c',
        'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(z.namelist()); sys.stdout.write(z.read("index.js").decode())',
        bundle.zipFile,
      ],
      { encoding: 'utf8' },
    );
    expect(py.stderr).toBe('');
    expect(py.stdout).toBe(`['index.js']\n${bundle.code}`);
  });

  it('is reproducible, so its hash is what Lambda reports as CodeSha256', () => {
    const zip = fs.readFileSync(bundle.zipFile);
    expect(zipSingleFile('index.js', Buffer.from(bundle.code)).equals(zip)).toBe(true);
    expect(bundle.codeSha256).toBe(createHash('sha256').update(zip).digest('base64'));
    expect(zipSingleFile('index.js', Buffer.from(`${bundle.code} `)).equals(zip)).toBe(false);
  });
});
