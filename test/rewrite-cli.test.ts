import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTrack, type TrackIo } from '../tracker/cli/track';
import { SqliteStore } from '../tracker/store/sqlite';
import { pixelHtml } from '../shared/urls';

const EMAIL = '<div dir="ltr">Hi, see <a href="https://example.com/a?b=1&amp;c=2">this</a> or <a href="#top">top</a>.</div>';
const NOW = Date.parse('2026-03-02T09:00:00Z');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'track-cli-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function io(stdin: Buffer | null = null): TrackIo & { out: string; err: string } {
  const captured = {
    out: '',
    err: '',
    env: { DATA_DIR: dir, PUBLIC_BASE_URL: 'https://t.example.com/' },
    cwd: dir,
    readStdin: () => stdin ?? Buffer.alloc(0),
    stdinIsTerminal: stdin === null,
    stdout: (text: string) => {
      captured.out += text;
    },
    stderr: (text: string) => {
      captured.err += text;
    },
    now: () => NOW,
  };
  return captured;
}

async function storedMessage(token: string) {
  const store = new SqliteStore({ path: join(dir, 'tracker.sqlite'), retentionDays: 180 });
  try {
    return await store.getMessage(token);
  } finally {
    await store.close();
  }
}

describe('track command', () => {
  test('rewrites a file and stores the message', async () => {
    writeFileSync(join(dir, 'email.html'), EMAIL);
    const run = io();
    expect(await runTrack(['email.html', '--owner', 'Ana@Example.com'], run)).toBe(0);

    const token = /^token ([A-Za-z0-9_-]{32}): 1 links tracked, 1 skipped \(anchor: 1\), pixel inserted\n$/.exec(run.err)?.[1] as string;
    expect(token).toBeDefined();
    expect(run.out.startsWith(pixelHtml('https://t.example.com/', token))).toBe(true);
    expect(run.out).toContain(`<a href="https://t.example.com/l/${token}/`);
    expect(run.out).toContain('<a href="#top">top</a>');

    const message = await storedMessage(token);
    expect(message?.owner).toBe('ana@example.com');
    expect(message?.createdAt).toBe(NOW);
  });

  test('reads stdin without a file', async () => {
    const run = io(Buffer.from(EMAIL));
    expect(await runTrack(['--owner', 'ana@example.com', '--no-pixel'], run)).toBe(0);
    expect(run.out).not.toContain('/o/');
    expect(run.err).toContain('1 links tracked, 1 skipped (anchor: 1), no pixel');
  });

  test.each([
    [['email.html'], '--owner EMAIL is missing'],
    [['--owner', 'not-an-address'], '--owner "not-an-address" is not an email address'],
    [['--owner', 'a@example.com', '--pixel'], 'unknown option "--pixel"'],
    [['a.html', 'b.html', '--owner', 'a@example.com'], 'more than one input file'],
    [['missing.html', '--owner', 'a@example.com'], 'failed to read'],
    [['--owner', 'a@example.com'], 'no input: give an HTML file, or pipe one to stdin'],
  ])('rejects %j', async (argv, message) => {
    const run = io();
    expect(await runTrack(argv, run)).toBe(2);
    expect(run.err).toContain(message);
    expect(run.out).toBe('');
  });

  test('rejects input that is not UTF-8', async () => {
    const run = io(Buffer.from([0x3c, 0x70, 0x3e, 0xe9, 0x3c, 0x2f, 0x70, 0x3e]));
    expect(await runTrack(['--owner', 'a@example.com'], run)).toBe(2);
    expect(run.err).toContain('stdin is not valid UTF-8');
  });

  test('reports a configuration error by variable', async () => {
    const run = io(Buffer.from(EMAIL));
    run.env = { ...run.env, PUBLIC_BASE_URL: 'ftp://t.example.com/' };
    expect(await runTrack(['--owner', 'a@example.com'], run)).toBe(2);
    expect(run.err).toContain('PUBLIC_BASE_URL is "ftp://t.example.com/"');
  });

  test('npm script pipes stdin to stdout', () => {
    const result = spawnSync('npm', ['run', '-s', 'track', '--', '--owner', 'ana@example.com'], {
      cwd: join(__dirname, '..'),
      input: EMAIL,
      env: { ...process.env, DATA_DIR: dir, PUBLIC_BASE_URL: 'https://t.example.com/', LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.stderr).toMatch(/^token [A-Za-z0-9_-]{32}: 1 links tracked, 1 skipped \(anchor: 1\), pixel inserted\n$/);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('<a href="#top">top</a>.</div>');
    expect(result.stdout).toContain('<a href="https://t.example.com/l/');
  });
});
