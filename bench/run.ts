import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runAutocannon, runWrk, type LoadOptions, type LoadResult } from './generators';
import { coldStartMs, median, residentMiB, summaryLatency, type SummaryLatency } from './measure';
import { apiClient, createFixtures } from './setup';
import {
  GENERATOR_CORE,
  SERVER_CORE,
  startBareFastify,
  startFirestoreEmulator,
  startNginx,
  startTracker,
  type Server,
} from './servers';

/*
 * `npm run bench`: throughput and latency of the pixel and the tracked-link
 * redirect against nginx and a bare Fastify route, all on loopback, with the
 * servers on one core and the load generators on the other. Also measures cold
 * start, resident memory after load and the summary API's latency. Prints
 * Markdown tables and writes them to build/bench/report.md.
 *
 * Environment: BENCH_SECONDS (per measured run, default 10), BENCH_CONNECTIONS
 * (default 64), BENCH_MESSAGES (messages whose pixels and links are cycled
 * through, default 500).
 */

const ROOT = resolve(__dirname, '..', '..');
const TRACKER = join(ROOT, 'build', 'tracker', 'main.js');
const BARE_FASTIFY = join(ROOT, 'build', 'bench', 'bare-fastify.js');
const REPORT = join(ROOT, 'build', 'bench', 'report.md');

const SECONDS = Number(process.env.BENCH_SECONDS || 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 64);
const MESSAGES = Number(process.env.BENCH_MESSAGES || 500);
const WARM_UP_SECONDS = 3;
const SUMMARY_HITS = 10_000;
const SUMMARY_REQUESTS = 300;
const COLD_START_RUNS = 7;

interface Row {
  target: string;
  results: LoadResult[];
  /** Set instead of results when the target could not be measured. */
  unavailable?: string;
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** Installs Debian's wrk and nginx when missing (the benchmark runs as root). */
function ensureTools(): void {
  const missing = ['wrk', 'nginx', 'taskset'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
  if (missing.length === 0) return;
  const packages = missing.map((tool) => (tool === 'taskset' ? 'util-linux' : tool));
  log(`installing ${packages.join(', ')} with apt-get`);
  execFileSync('apt-get', ['update'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', ...packages], { stdio: 'inherit' });
}

function describeMachine(): Record<string, string> {
  const memKb = Number(/^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
  const firstLine = (command: string, args: string[]) => {
    const result = spawnSync(command, args, { encoding: 'utf8' });
    return `${result.stdout}${result.stderr}`.split('\n')[0].trim();
  };
  return {
    // --all: this process is pinned to one core, and plain nproc counts only that.
    nproc: firstLine('nproc', ['--all']),
    cpu: cpus()[0]?.model ?? 'unknown',
    memory: `${(memKb / 1024 / 1024).toFixed(1)} GiB`,
    kernel: firstLine('uname', ['-r']),
    node: process.version,
    wrk: firstLine('wrk', ['--version']).replace(/ Copyright.*/, ''),
    nginx: firstLine('nginx', ['-v']),
    // Other work on the machine skews every figure; the load average shows how much there was.
    'load average at start (1, 5, 15 min)': readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(', '),
  };
}

async function measure(name: string, server: Server, paths: string[], expectedStatus: number, work: string): Promise<Row> {
  const options: LoadOptions = { port: server.port, serverPid: server.process.pid, paths, seconds: SECONDS, connections: CONNECTIONS, expectedStatus };
  log(`${name}: warming up for ${WARM_UP_SECONDS} s`);
  await runWrk({ ...options, seconds: WARM_UP_SECONDS }, work);
  log(`${name}: wrk for ${SECONDS} s`);
  const wrk = await runWrk(options, work);
  log(`${name}: autocannon for ${SECONDS} s`);
  const autocannon = await runAutocannon(options);
  return { target: name, results: [wrk, autocannon] };
}

const fixed = (value: number, digits = 2) => value.toFixed(digits);

function loadTable(rows: Row[]): string {
  const bare = rows.find((row) => row.target.startsWith('bare Fastify'));
  const lines = [
    '| server | tool | req/s | p50 ms | p99 ms | errors | req/s ÷ bare Fastify | p99 ÷ bare Fastify | server CPU µs/request |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    if (row.unavailable) {
      lines.push(`| ${row.target} | – | – | – | – | – | – | – | ${row.unavailable} |`);
      continue;
    }
    for (const result of row.results) {
      const reference = bare?.results.find((r) => r.tool === result.tool);
      const ratio = reference ? fixed(result.requestsPerSecond / reference.requestsPerSecond) : '–';
      const p99Ratio = reference ? fixed(result.p99Ms / reference.p99Ms) : '–';
      lines.push(
        `| ${row.target} | ${result.tool} | ${Math.round(result.requestsPerSecond)} | ${fixed(result.p50Ms)} | ${fixed(result.p99Ms)} | ${result.errors} | ${ratio} | ${p99Ratio} | ${result.cpuMicrosPerRequest === null ? '–' : fixed(result.cpuMicrosPerRequest, 0)} |`,
      );
    }
  }
  return lines.join('\n');
}

interface TrackerFigures {
  rssIdleMiB: number;
  rssAfterLoadMiB: number;
  summary: SummaryLatency;
}

async function benchTracker(
  name: string,
  linkName: string,
  env: Record<string, string>,
  work: string,
): Promise<{ rows: Row[]; figures: TrackerFigures }> {
  const dataDir = join(work, `data-${name.replace(/\W+/g, '-')}`);
  const server = await startTracker(TRACKER, dataDir, env, name);
  try {
    const client = apiClient(server.port, dataDir);
    log(`${name}: creating ${MESSAGES} messages and links through the API`);
    const fixtures = await createFixtures(client, MESSAGES);
    const rssIdleMiB = residentMiB(server.process.pid as number);
    const pixel = await measure(name, server, fixtures.pixelPaths, 200, work);
    const link = await measure(linkName, server, fixtures.linkPaths, 302, work);
    const rssAfterLoadMiB = residentMiB(server.process.pid as number);
    log(`${name}: summary latency at ${SUMMARY_HITS} hits`);
    const summary = await summaryLatency(server, client, SUMMARY_HITS, SUMMARY_REQUESTS);
    return { rows: [pixel, link], figures: { rssIdleMiB, rssAfterLoadMiB, summary } };
  } finally {
    await server.stop();
  }
}

async function benchFirestore(work: string): Promise<{ rows: Row[]; figures: TrackerFigures | null }> {
  const name = 'our pixel, Firestore emulator';
  const linkName = 'our tracked link, Firestore emulator';
  if (!existsSync(join(ROOT, 'tracker', 'store', 'firestore.ts'))) {
    return { rows: [{ target: name, results: [], unavailable: 'not available yet: this build has no Firestore store' }], figures: null };
  }
  const emulator = await startFirestoreEmulator();
  if (!emulator) {
    return { rows: [{ target: name, results: [], unavailable: 'not measured: the Firestore emulator is not installed' }], figures: null };
  }
  try {
    const env = {
      STORE: 'firestore',
      FIRESTORE_EMULATOR_HOST: `127.0.0.1:${emulator.port}`,
      FIRESTORE_PROJECT_ID: 'bench-project',
    };
    return await benchTracker(name, linkName, env, work);
  } catch (error) {
    log(`Firestore run failed: ${(error as Error).message}`);
    return { rows: [{ target: name, results: [], unavailable: `failed: ${(error as Error).message.split('\n')[0]}` }], figures: null };
  } finally {
    await emulator.stop();
  }
}

async function coldStarts(work: string): Promise<{ restartMs: number[]; freshMs: number[] }> {
  // A data folder with its key, secret and database already made, as on every
  // start after the first (and always in production, where nothing is generated).
  const prepared = join(work, 'cold-start');
  const first: Server = await startTracker(TRACKER, prepared, { LOG_LEVEL: 'warn' }, 'tracker (prepare)');
  await first.stop();
  const pixelPath = '/o/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.gif';
  const restartMs: number[] = [];
  for (let i = 0; i < COLD_START_RUNS; i += 1) restartMs.push(await coldStartMs(TRACKER, prepared, pixelPath));
  const freshMs: number[] = [];
  for (let i = 0; i < 3; i += 1) freshMs.push(await coldStartMs(TRACKER, join(work, `fresh-${i}`), pixelPath));
  return { restartMs, freshMs };
}

async function main(): Promise<void> {
  ensureTools();
  if (!existsSync(TRACKER) || !existsSync(BARE_FASTIFY)) {
    throw new Error('build/tracker/main.js or build/bench/bare-fastify.js is missing; run `npm run bench`, which builds them');
  }
  const machine = describeMachine();
  const work = mkdtempSync(join(tmpdir(), 'tracker-bench-'));
  const rows: Row[] = [];
  try {
    const nginx = await startNginx(join(work, 'nginx'));
    try {
      rows.push(await measure('nginx, static GIF', nginx, pixelPathsForStatic(), 200, work));
    } finally {
      await nginx.stop();
    }

    const bare = await startBareFastify(BARE_FASTIFY);
    try {
      rows.push(await measure('bare Fastify route', bare, pixelPathsForStatic(), 200, work));
    } finally {
      await bare.stop();
    }

    const sqlite = await benchTracker('our pixel, SQLite', 'our tracked link, SQLite', {}, work);
    rows.push(...sqlite.rows);
    const firestore = await benchFirestore(work);
    rows.splice(3, 0, firestore.rows[0]);
    rows.push(...firestore.rows.slice(1));

    log('cold start');
    const cold = await coldStarts(work);

    machine['load average at end (1, 5, 15 min)'] = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(', ');
    const report = formatReport(machine, rows, sqlite.figures, firestore.figures, cold);
    mkdirSync(join(ROOT, 'build', 'bench'), { recursive: true });
    writeFileSync(REPORT, report);
    process.stdout.write(report);
    log(`report written to ${REPORT}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Pixel paths for the servers that ignore the token: the same shape and count as the tracker's. */
function pixelPathsForStatic(): string[] {
  return Array.from({ length: MESSAGES }, (_, i) => `/o/${i.toString().padStart(32, 'A')}.gif`);
}

function formatReport(
  machine: Record<string, string>,
  rows: Row[],
  sqlite: TrackerFigures,
  firestore: TrackerFigures | null,
  cold: { restartMs: number[]; freshMs: number[] },
): string {
  const pixel = rows.find((row) => row.target === 'our pixel, SQLite');
  const bare = rows.find((row) => row.target === 'bare Fastify route');
  const wrkPixel = pixel?.results.find((r) => r.tool === 'wrk');
  const wrkBare = bare?.results.find((r) => r.tool === 'wrk');
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const throughputRatio = wrkPixel && wrkBare ? wrkPixel.requestsPerSecond / wrkBare.requestsPerSecond : NaN;
  const p99Ratio = wrkPixel && wrkBare ? wrkPixel.p99Ms / wrkBare.p99Ms : NaN;
  const coldMedian = median(cold.restartMs);
  const cpuRatio = wrkPixel?.cpuMicrosPerRequest && wrkBare?.cpuMicrosPerRequest ? wrkBare.cpuMicrosPerRequest / wrkPixel.cpuMicrosPerRequest : NaN;

  const lines = [
    '## Machine',
    '',
    ...Object.entries(machine).map(([key, value]) => `- ${key}: ${value}`),
    `- servers pinned to core ${SERVER_CORE}, load generators to core ${GENERATOR_CORE} (taskset)`,
    `- each run: ${SECONDS} s, ${CONNECTIONS} connections, after a ${WARM_UP_SECONDS} s wrk warm-up; paths cycle over ${MESSAGES} messages`,
    '- server CPU µs/request: the server process\'s user + system CPU time during the run over the responses counted; it is the figure least moved by other work on the machine',
    '',
    '## Throughput and latency',
    '',
    loadTable(rows),
    '',
    '## Tracker figures',
    '',
    '| measure | SQLite | Firestore emulator |',
    '|---|---:|---:|',
    `| resident memory, idle after setup (MiB) | ${fixed(sqlite.rssIdleMiB, 0)} | ${firestore ? fixed(firestore.rssIdleMiB, 0) : '–'} |`,
    `| resident memory after load (MiB) | ${fixed(sqlite.rssAfterLoadMiB, 0)} | ${firestore ? fixed(firestore.rssAfterLoadMiB, 0) : '–'} |`,
    `| summary p50 at ${SUMMARY_HITS} hits (ms, ${SUMMARY_REQUESTS} requests) | ${fixed(sqlite.summary.p50Ms)} | ${firestore ? fixed(firestore.summary.p50Ms) : '–'} |`,
    `| summary p99 at ${SUMMARY_HITS} hits (ms) | ${fixed(sqlite.summary.p99Ms)} | ${firestore ? fixed(firestore.summary.p99Ms) : '–'} |`,
    `| server busy after the last of the ${SUMMARY_HITS} pixel responses (ms; summary measured after) | ${fixed(sqlite.summary.busyAfterLoadMs, 0)} | ${firestore ? fixed(firestore.summary.busyAfterLoadMs, 0) : '–'} |`,
    `| summary server CPU per request at ${SUMMARY_HITS} hits (µs) | ${fixed(sqlite.summary.cpuMicrosPerRequest, 0)} | ${firestore ? fixed(firestore.summary.cpuMicrosPerRequest, 0) : '–'} |`,
    '',
    '## Cold start (process start to first pixel answered)',
    '',
    `- existing data folder, ${cold.restartMs.length} runs: median ${fixed(coldMedian, 0)} ms (runs: ${cold.restartMs.map((ms) => fixed(ms, 0)).join(', ')})`,
    `- fresh data folder (generates the signing secret and the development RSA key), ${cold.freshMs.length} runs: median ${fixed(median(cold.freshMs), 0)} ms`,
    '',
    '## Targets',
    '',
    `- pixel on SQLite at least 0.7 of bare Fastify's req/s (wrk): ${fixed(throughputRatio)}, ${verdict(throughputRatio >= 0.7)}`,
    `- the same ratio from server CPU per request (bare Fastify's µs ÷ the pixel's µs, wrk runs): ${fixed(cpuRatio)}`,
    `- pixel on SQLite p99 at most 2 × bare Fastify's p99 (wrk): ${fixed(p99Ratio)} ×, ${verdict(p99Ratio <= 2)}`,
    `- cold start at most 1000 ms: ${fixed(coldMedian, 0)} ms, ${verdict(coldMedian <= 1000)}`,
    `- resident memory after load at most 250 MiB: ${fixed(sqlite.rssAfterLoadMiB, 0)} MiB, ${verdict(sqlite.rssAfterLoadMiB <= 250)}`,
    `- summary p50 at most 5 ms at ${SUMMARY_HITS} hits: ${fixed(sqlite.summary.p50Ms)} ms, ${verdict(sqlite.summary.p50Ms <= 5)}`,
    '',
  ];
  return lines.join('\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench] failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
