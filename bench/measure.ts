import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';
import { BENCH_USER_AGENT, cpuTicks, TICKS_PER_SECOND } from './generators';
import { spawnPinned, freePort, probe, type Server } from './servers';
import type { ApiClient } from './setup';
import { createMessage } from './setup';

/* Cold start, resident memory and summary latency of a tracker. */

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Nearest-rank percentile of `values`, `p` from 0 to 100. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** Resident set size of a process in MiB, from VmRSS in /proc/<pid>/status. */
export function residentMiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS line for process ${pid}`);
  return Number(match[1]) / 1024;
}

/**
 * Milliseconds from spawning the tracker to its first pixel response (200 with
 * the GIF), polling every 5 ms, so a reading is up to 5 ms late.
 */
export async function coldStartMs(script: string, dataDir: string, pixelPath: string): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const server = spawnPinned('tracker (cold start)', port, process.execPath, [script], {
    DATA_DIR: dataDir,
    PORT: String(port),
    LOG_LEVEL: 'warn',
  });
  try {
    while (performance.now() - started < 30_000) {
      if (server.process.exitCode !== null) throw new Error(`tracker exited during cold start:\n${server.output()}`);
      if ((await probe(port, pixelPath, 500)) === 200) return performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`tracker returned no pixel within 30 s:\n${server.output()}`);
  } finally {
    await server.stop();
  }
}

/** Sends `count` pixel requests for one message, 50 at a time. */
export async function loadOnePixel(server: Server, token: string, count: number): Promise<void> {
  const result = await autocannon({
    url: `http://127.0.0.1:${server.port}/o/${token}.gif`,
    connections: 50,
    amount: count,
    headers: { 'user-agent': BENCH_USER_AGENT },
  });
  const ok = result.statusCodeStats?.['200']?.count ?? 0;
  if (ok !== count || result.errors > 0) {
    throw new Error(`expected ${count} pixel responses with status 200, got ${ok} and ${result.errors} errors`);
  }
}

export interface SummaryLatency {
  hits: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU time (user + system) per summary request, in microseconds. */
  cpuMicrosPerRequest: number;
  /** Milliseconds the server stayed busy after the last pixel response (background relabelling). */
  busyAfterLoadMs: number;
}

/**
 * Waits until the process uses no CPU for `quietMs` and returns how long that
 * took, so the work a load left queued (relabelling after commits) does not
 * count against the next measurement. Gives up after `maxMs`.
 */
async function waitUntilIdle(pid: number, quietMs = 500, maxMs = 120_000): Promise<number> {
  const started = performance.now();
  let last = cpuTicks(pid);
  let quietSince = performance.now();
  while (performance.now() - started < maxMs) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = cpuTicks(pid);
    if (now !== last) {
      last = now;
      quietSince = performance.now();
    } else if (performance.now() - quietSince >= quietMs) {
      return quietSince - started;
    }
  }
  return maxMs;
}

function timedGet(agent: Agent, client: ApiClient, path: string): Promise<{ ms: number; status: number; body: string }> {
  const url = new URL(path, client.base);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, agent, headers: { authorization: client.authorization } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ ms: performance.now() - started, status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Latency of `GET /api/messages/<token>/summary` for a message with `hits`
 * open hits, over `requests` sequential requests on one keep-alive connection
 * after 50 unmeasured ones.
 */
export async function summaryLatency(server: Server, client: ApiClient, hits: number, requests: number): Promise<SummaryLatency> {
  const token = await createMessage(client);
  await loadOnePixel(server, token, hits);
  const busyAfterLoadMs = await waitUntilIdle(server.process.pid as number);

  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const path = `/api/messages/${token}/summary`;
  const first = await timedGet(agent, client, path);
  if (first.status !== 200) throw new Error(`summary returned ${first.status}: ${first.body}`);
  const totalHits = (JSON.parse(first.body) as { totalHits: number }).totalHits;
  if (totalHits !== hits) throw new Error(`summary counts ${totalHits} hits, expected ${hits}`);

  for (let i = 0; i < 50; i += 1) await timedGet(agent, client, path);
  const times: number[] = [];
  const ticksBefore = cpuTicks(server.process.pid as number);
  for (let i = 0; i < requests; i += 1) {
    const { ms, status } = await timedGet(agent, client, path);
    if (status !== 200) throw new Error(`summary returned ${status}`);
    times.push(ms);
  }
  const ticks = cpuTicks(server.process.pid as number) - ticksBefore;
  agent.destroy();
  const cpuMicrosPerRequest = (ticks / TICKS_PER_SECOND / requests) * 1e6;
  return { hits, requests, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), cpuMicrosPerRequest, busyAfterLoadMs };
}
