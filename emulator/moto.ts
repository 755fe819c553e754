import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as net from 'net';
import * as path from 'path';

/**
 * A real moto server on a free 127.0.0.1 port, for integration tests: the SDK talks to it
 * over HTTP exactly as it would to AWS. Nothing else is contacted.
 *
 * It is moto_server's own code, launched through moto_linearizable.py, which
 * serializes requests: moto checks conditional writes without a lock, so under load two
 * racing `attribute_not_exists` puts could both succeed, which DynamoDB never allows.
 */
const LAUNCHER = path.join(__dirname, 'moto_linearizable.py');
export interface Moto {
  readonly endpoint: string;
  /** SIGSTOP: the server keeps its socket but answers nothing, like a hung network. */
  freeze(): void;
  /** SIGCONT: requests queued while frozen are served now. */
  thaw(): void;
  stop(): Promise<void>;
}

export const MOTO_INSTALL_HINT =
  'moto_server is not installed. Fix: pip install "moto[server]==5.2.*" (npm test does this in .venv)';

/** The Python that runs moto_server (the project's .venv first, as npm test puts it on PATH). */
const PYTHON = process.env.MOTO_PYTHON ?? 'python3';

/** Once found, moto stays installed for the life of this process: a test file asks, then startMoto asks again. */
let found = false;

export function motoAvailable(): boolean {
  found ||=
    spawnSync('moto_server', ['--help'], { stdio: 'ignore', timeout: 30_000 }).status === 0 &&
    spawnSync(PYTHON, ['-c', 'import moto.server'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
  return found;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitUntilServing(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not start within ${timeoutMs} ms: ${String(lastError)}`);
}

export async function startMoto(): Promise<Moto> {
  if (!motoAvailable()) throw new Error(MOTO_INSTALL_HINT);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(PYTHON, [LAUNCHER, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  try {
    await waitUntilServing(endpoint, child, 30_000);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\n${stderr}`);
  }
  let frozen = false;
  return {
    endpoint,
    freeze: () => {
      child.kill('SIGSTOP');
      frozen = true;
    },
    thaw: () => {
      child.kill('SIGCONT');
      frozen = false;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        if (frozen) child.kill('SIGCONT');
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
