import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '../config';
import { rewriteEmailHtml, type RewriteResult } from '../rewrite/rewriteEmailHtml';
import { openStore } from '../store/index';
import { issueToken } from '../tokens';

/*
 * `npm run -s track -- [FILE] --owner EMAIL`: creates a tracked message in the
 * configured store, rewrites an HTML email for it (pixel and tracked links) and
 * prints the result to stdout. A one-line report goes to stderr. Reads stdin
 * when no file is given. Uses the tracker's configuration (loadConfig), so the
 * links point at the same public base URL and carry the same signatures.
 */

const USAGE = `Usage: npm run -s track -- [FILE] --owner EMAIL [--no-pixel] > tracked.html

Creates a tracked message owned by EMAIL and prints FILE (or stdin) with the
open pixel inserted and every http(s) link turned into a tracked link.
  --owner EMAIL   sender who owns the message and sees its opens (required)
  --no-pixel      track links only, without inserting the open pixel
The tracker's environment variables (PUBLIC_BASE_URL, DATA_DIR, STORE, ...) apply.
`;

export interface TrackIo {
  env: Record<string, string | undefined>;
  /** Folder that relative file names are resolved against. */
  cwd: string;
  readStdin(): Buffer;
  stdinIsTerminal: boolean;
  stdout(text: string): void;
  stderr(text: string): void;
  now(): number;
}

export class UsageError extends Error {}

interface TrackArgs {
  file: string | null;
  owner: string;
  insertPixel: boolean;
}

export function parseTrackArgs(argv: string[]): TrackArgs | 'help' {
  let file: string | null = null;
  let owner: string | null = null;
  let insertPixel = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--no-pixel') {
      insertPixel = false;
    } else if (arg === '--owner' || arg.startsWith('--owner=')) {
      owner = arg === '--owner' ? (argv[++i] ?? '') : arg.slice('--owner='.length);
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new UsageError(`unknown option "${arg}"; run with --help to list the options`);
    } else if (file !== null) {
      throw new UsageError(`more than one input file ("${file}" and "${arg}"); give one file, or none to read stdin`);
    } else {
      file = arg;
    }
  }
  if (owner === null) throw new UsageError('--owner EMAIL is missing; name the sender who owns the tracked message, for example --owner ana@example.com');
  if (!/^[^\s@]+@[^\s@]+$/.test(owner)) throw new UsageError(`--owner "${owner}" is not an email address; give the sender's address, for example --owner ana@example.com`);
  return { file: file === '-' ? null : file, owner: owner.toLowerCase(), insertPixel };
}

/** Reads the input as UTF-8, rejecting bytes that are not, because a lossy decode would change the email. */
function readInput(args: TrackArgs, io: TrackIo): string {
  let bytes: Buffer;
  let name: string;
  if (args.file === null) {
    if (io.stdinIsTerminal) throw new UsageError('no input: give an HTML file, or pipe one to stdin (npm run -s track -- --owner EMAIL < email.html)');
    bytes = io.readStdin();
    name = 'stdin';
  } else {
    const path = resolve(io.cwd, args.file);
    try {
      bytes = readFileSync(path);
    } catch (error) {
      throw new UsageError(`failed to read "${path}": ${(error as Error).message}`);
    }
    name = path;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${name} is not valid UTF-8; convert it first, for example with iconv -f WINDOWS-1252 -t UTF-8`);
  }
}

export function reportLine(token: string, result: RewriteResult): string {
  const tracked = result.links.filter((link) => link.tracked).length;
  const reasons = new Map<string, number>();
  for (const link of result.links) {
    if (!link.tracked) reasons.set(link.reason as string, (reasons.get(link.reason as string) ?? 0) + 1);
  }
  const skipped = result.links.length - tracked;
  const detail = skipped === 0 ? '' : ` (${[...reasons].map(([reason, count]) => `${reason}: ${count}`).join(', ')})`;
  const pixel = { inserted: 'pixel inserted', present: 'pixel already present', not_requested: 'no pixel' }[result.pixel];
  return `token ${token}: ${tracked} links tracked, ${skipped} skipped${detail}, ${pixel}\n`;
}

/** Runs the command and returns the process exit code: 0 done, 2 bad usage or configuration. */
export async function runTrack(argv: string[], io: TrackIo): Promise<number> {
  let args: TrackArgs | 'help';
  let html: string;
  let config;
  try {
    args = parseTrackArgs(argv);
    if (args === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    html = readInput(args, io);
    config = loadConfig(io.env);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      io.stderr(`track: ${error.message}\n`);
      return 2;
    }
    throw error;
  }

  const store = await openStore(config);
  try {
    const now = io.now();
    const token = issueToken(config.signingSecret);
    await store.createMessage({
      token,
      owner: args.owner,
      createdAt: now,
      subject: null,
      recipients: [],
      sentAt: null,
      expiresAt: now + config.retentionDays * 86_400_000,
    });
    const result = rewriteEmailHtml(html, {
      base: config.publicBaseUrl,
      token,
      secret: config.signingSecret,
      insertPixel: args.insertPixel,
    });
    io.stdout(result.html);
    io.stderr(reportLine(token, result));
    return 0;
  } finally {
    await store.close();
  }
}

if (require.main === module) {
  runTrack(process.argv.slice(2), {
    env: process.env,
    cwd: process.env.INIT_CWD ?? process.cwd(),
    readStdin: () => readFileSync(0),
    stdinIsTerminal: process.stdin.isTTY === true,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    now: () => Date.now(),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`track: failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
