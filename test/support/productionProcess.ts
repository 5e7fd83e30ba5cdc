import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

/*
 * The tracker as a separate process, built the way `npm run build:tracker`
 * builds it, for tests that signal or kill it.
 */

export const REPO_ROOT = join(__dirname, '..', '..');

/** Bundles the tracker and the replay command into `outDir` (inside the repository, so packages resolve). */
export function buildBundles(outDir: string): { main: string; replay: string } {
  const common = { bundle: true, platform: 'node' as const, target: 'node20', packages: 'external' as const, logLevel: 'warning' as const };
  const main = join(outDir, 'main.js');
  const replay = join(outDir, 'replay.js');
  buildSync({ ...common, entryPoints: [join(REPO_ROOT, 'tracker', 'main.ts')], outfile: main });
  buildSync({ ...common, entryPoints: [join(REPO_ROOT, 'tracker', 'cli', 'replay.ts')], outfile: replay });
  return { main, replay };
}

export interface TrackerProcess {
  child: ChildProcess;
  /** Standard output lines so far: the tracker's JSON log. */
  lines: string[];
  stderr(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

export function startTrackerProcess(script: string, env: Record<string, string>, options: SpawnOptions = {}): TrackerProcess {
  const child = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '', METADATA_SERVER_DETECTION: 'none', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
  const lines: string[] = [];
  let partial = '';
  let errors = '';
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (!line.trim()) continue;
      lines.push(line);
      for (const waiter of waiters.splice(0)) {
        if (waiter.pattern.test(line)) waiter.resolve(line);
        else waiters.push(waiter);
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-8000);
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      if (partial.trim()) lines.push(partial);
      resolve(code ?? signal ?? 'unknown');
    });
  });

  return {
    child,
    lines,
    stderr: () => errors,
    exited,
    waitForLine(pattern, timeoutMs = 30_000) {
      const found = lines.find((line) => pattern.test(line));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no log line matching ${pattern} within ${timeoutMs} ms; stderr:\n${errors}\nstdout:\n${lines.slice(-20).join('\n')}`)), timeoutMs);
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`tracker exited (${code}) before logging ${pattern}; stderr:\n${errors}\nstdout:\n${lines.slice(-20).join('\n')}`));
        });
      });
    },
  };
}
