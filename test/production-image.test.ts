import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { describeFirestore, freePort } from './support/firestoreEmulator';
import { REPO_ROOT } from './support/productionProcess';

/*
 * No Docker engine runs here, so this rebuilds the final image's /app folder
 * from the Dockerfile's own instructions. Each stage gets a folder, COPY
 * copies the same paths and RUN runs the same commands. Two substitutions
 * avoid the network, because tests reach no package registry:
 * - the build stage's full `npm ci` becomes a link to this checkout's
 *   node_modules;
 * - the deps stage's `npm ci --omit=dev` runs offline from the npm cache with
 *   --ignore-scripts, and better-sqlite3's compiled addon is copied from this
 *   checkout, since its install script would download or compile it.
 * Then the tracker starts from that folder as the user `nobody` with the
 * production profile and must answer /healthz.
 */

interface Stage {
  name: string;
  workdir: string;
  dir: string;
  env: Record<string, string>;
  user: string | null;
  cmd: string[] | null;
}

/** Dockerfile instructions, one per entry, comments and continuations resolved. */
function instructions(text: string): Array<{ keyword: string; args: string }> {
  const joined = text.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** Maps a path inside a stage's image to the folder that replaces the image's /app. */
function hostPath(stage: Stage, imagePath: string): string {
  const absolute = posix.isAbsolute(imagePath) ? imagePath : posix.join(stage.workdir, imagePath);
  if (!absolute.startsWith('/app')) throw new Error(`the test maps only /app, not ${absolute}`);
  return join(stage.dir, posix.relative('/app', absolute));
}

function copyInto(source: string, target: string, targetIsFolder: boolean): void {
  const destination = targetIsFolder ? join(target, source.split('/').pop()!) : target;
  mkdirSync(dirname(destination), { recursive: true });
  cpSync(source, destination, { recursive: true, dereference: false });
}

/** Runs the Dockerfile's stages into folders under `root`; returns the final stage. */
function buildImageFolder(root: string): { final: Stage; substitutions: string[] } {
  const stages: Stage[] = [];
  const substitutions: string[] = [];
  let stage: Stage | null = null;

  for (const { keyword, args } of instructions(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'))) {
    if (keyword === 'FROM') {
      const name = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? `stage-${stages.length}`;
      stage = { name, workdir: '/', dir: join(root, name), env: {}, user: null, cmd: null };
      mkdirSync(stage.dir, { recursive: true });
      stages.push(stage);
      continue;
    }
    if (!stage) throw new Error(`${keyword} before FROM`);
    if (keyword === 'WORKDIR') stage.workdir = args;
    else if (keyword === 'ENV') {
      const [key, ...value] = args.split('=');
      stage.env[key] = value.join('=');
    } else if (keyword === 'USER') stage.user = args;
    else if (keyword === 'CMD') stage.cmd = JSON.parse(args) as string[];
    else if (keyword === 'EXPOSE') continue;
    else if (keyword === 'COPY') {
      const parts = args.split(/\s+/);
      const from = parts[0].startsWith('--from=') ? parts.shift()!.slice('--from='.length) : null;
      const target = parts.pop()!;
      const targetIsFolder = target.endsWith('/') || parts.length > 1;
      const source = from ? stages.find((candidate) => candidate.name === from) : null;
      if (from && !source) throw new Error(`COPY --from=${from}: no such stage`);
      for (const part of parts) {
        const path = source ? hostPath(source, part) : join(REPO_ROOT, part);
        if (!existsSync(path)) throw new Error(`COPY source ${part} does not exist (${path})`);
        copyInto(path, hostPath(stage, target), targetIsFolder);
      }
    } else if (keyword === 'RUN') {
      const cwd = hostPath(stage, '.');
      if (/^npm ci --omit=dev\b/.test(args)) {
        execFileSync('npm', ['ci', '--omit=dev', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd, stdio: 'pipe' });
        const addon = join(REPO_ROOT, 'node_modules', 'better-sqlite3', 'build');
        cpSync(addon, join(cwd, 'node_modules', 'better-sqlite3', 'build'), { recursive: true });
        substitutions.push('npm ci --omit=dev ran offline with --ignore-scripts; better-sqlite3/build copied from the checkout');
      } else if (/^npm ci\b/.test(args)) {
        symlinkSync(join(REPO_ROOT, 'node_modules'), join(cwd, 'node_modules'));
        substitutions.push("npm ci linked to the checkout's node_modules");
      } else {
        const result = spawnSync('bash', ['-c', args], { cwd, encoding: 'utf8' });
        if (result.status !== 0) throw new Error(`RUN ${args} failed:\n${result.stdout}\n${result.stderr}`);
      }
    } else {
      throw new Error(`instruction ${keyword} is not handled by this test; extend it or keep the Dockerfile simple`);
    }
  }
  return { final: stages[stages.length - 1], substitutions };
}

describe('Dockerfile', () => {
  test('final stage runs as non-root', () => {
    const lines = instructions(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
    const lastFrom = lines.map((line) => line.keyword).lastIndexOf('FROM');
    const user = lines.slice(lastFrom).find((line) => line.keyword === 'USER');
    expect(user?.args).toBe('node');
  });
});

describeFirestore('production image folder', () => {
  let root: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'tracker-image-'));
    // `nobody` must be able to read the folder, as any user can read an image's files.
    chmodSync(root, 0o755);
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  test('serves /healthz as nobody', async () => {
    const { final, substitutions } = buildImageFolder(root);
    expect(substitutions).toHaveLength(2);
    const app = hostPath(final, '.');

    // Production dependencies only, and no sources.
    const modules = readdirSync(join(app, 'node_modules'));
    for (const devOnly of ['typescript', 'jest', 'esbuild', 'ts-jest', 'playwright-core']) expect(modules).not.toContain(devOnly);
    for (const runtime of ['fastify', '@google-cloud', 'better-sqlite3', 'geoip-lite']) expect(modules).toContain(runtime);
    expect(readdirSync(app).sort()).toEqual(['build', 'node_modules', 'package.json']);
    expect(existsSync(join(app, 'build', 'tracker', 'main.js'))).toBe(true);
    expect(final.env.PROFILE).toBe('production');
    expect(final.cmd).toEqual(['node', 'build/tracker/main.js']);

    const port = await freePort();
    const env: Record<string, string> = {
      ...final.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_BASE_URL: 'https://t.example.com/',
      SIGNING_SECRET: 'image-test-signing-secret-0123456789abcdefgh',
      ID_TOKEN_AUDIENCE: 'image-test-client.apps.googleusercontent.com',
      FIRESTORE_PROJECT_ID: `image-${randomUUID().slice(0, 8)}`,
      FIRESTORE_EMULATOR_HOST: process.env.FIRESTORE_EMULATOR_HOST!,
      HOME: '/nonexistent',
      METADATA_SERVER_DETECTION: 'none',
      // Fetched only to verify an API caller's token, which this test never sends; loopback all the same.
      ID_TOKEN_CERTS_URL: 'http://127.0.0.1:9/certs',
    };
    const script = join(app, final.cmd![1]);
    // The image's `node` user is uid 1000; here `nobody` replaces it.
    const child = spawn('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, script], {
      cwd: app,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 20_000;
      while (!output.includes('"server.started"')) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`tracker did not start:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      expect(/^Uid:\s+65534\b/m.test(status)).toBe(true);

      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      const started = JSON.parse(output.split('\n').find((line) => line.includes('"server.started"'))!);
      expect(started.severity).toBe('INFO');
      expect(started.profile).toBe('production');
      expect(started.store).toBe('firestore');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 180_000);
});
