import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { HIT_LABELS } from '../../shared/labels';
import { ConfigError, loadConfig } from '../config';
import { UNSAVED_HIT_EVENT } from '../hitWriter';
import { openStore } from '../store/index';
import type { HitRecord, Store } from '../store/types';

/*
 * `npm run replay -- FILE...` (or the log lines on standard input) stores the
 * hits that the tracker logged as unsaved. Each input line is one JSON object:
 * either the tracker's own log line, or a Cloud Logging entry whose
 * `jsonPayload` is that line. A whole JSON array of entries, as
 * `gcloud logging read --format=json` prints, is read too. Lines of other
 * events are skipped. The store is chosen by the same variables as the
 * tracker's (STORE, SQLITE_PATH, FIRESTORE_PROJECT_ID, ...). Stores ignore a
 * hit id they already have, so replaying a file twice stores each hit once.
 */

const BATCH_SIZE = 200;

export interface ReplayReport {
  /** Log entries read. */
  entries: number;
  /** Entries of other events, skipped. */
  skipped: number;
  /** Entries that are not JSON or whose hit is malformed, with their line numbers. */
  invalid: Array<{ line: number; error: string }>;
  /** Distinct hits found. */
  hits: number;
  stored: number;
  /** Hits whose message no longer exists. */
  orphaned: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const nullableString = (value: unknown) => value === null || typeof value === 'string';

/** Returns why `value` is not a HitRecord, or null when it is one. */
export function hitProblem(value: unknown): string | null {
  if (!isObject(value)) return 'hit is not an object';
  if (typeof value.id !== 'string' || value.id.length === 0 || value.id.length > 200 || value.id.includes('/')) return 'hit.id is missing or invalid';
  if (typeof value.token !== 'string' || !/^[A-Za-z0-9_-]{1,200}$/.test(value.token)) return 'hit.token is missing or invalid';
  if (value.kind !== 'open' && value.kind !== 'click') return `hit.kind is ${JSON.stringify(value.kind)}, expected "open" or "click"`;
  if (typeof value.at !== 'number' || !Number.isSafeInteger(value.at)) return 'hit.at is not a time in epoch milliseconds';
  if (typeof value.method !== 'string') return 'hit.method is missing';
  if (!HIT_LABELS.includes(value.label as never)) return `hit.label is ${JSON.stringify(value.label)}, expected one of ${HIT_LABELS.join(', ')}`;
  for (const field of ['url', 'ip', 'userAgent', 'client', 'os', 'device', 'proxy'] as const) {
    if (!nullableString(value[field] ?? null)) return `hit.${field} is not a string or null`;
  }
  if (!(value.location === undefined || value.location === null || isObject(value.location))) return 'hit.location is not an object or null';
  return null;
}

function toHit(value: Record<string, unknown>): HitRecord {
  const hit = value as unknown as HitRecord;
  return {
    id: hit.id,
    token: hit.token,
    kind: hit.kind,
    at: hit.at,
    method: hit.method,
    url: hit.url ?? null,
    ip: hit.ip ?? null,
    userAgent: hit.userAgent ?? null,
    location: hit.location ?? null,
    proxy: hit.proxy ?? null,
    client: hit.client ?? null,
    os: hit.os ?? null,
    device: hit.device ?? null,
    label: hit.label,
  };
}

/** Collects unsaved hits from log entries; exported for tests. */
export class HitCollector {
  readonly hits = new Map<string, HitRecord>();
  readonly report: ReplayReport = { entries: 0, skipped: 0, invalid: [], hits: 0, stored: 0, orphaned: 0 };

  addEntry(entry: unknown, line: number): void {
    this.report.entries += 1;
    const payload = isObject(entry) && isObject(entry.jsonPayload) ? entry.jsonPayload : entry;
    if (!isObject(payload) || payload.event !== UNSAVED_HIT_EVENT) {
      this.report.skipped += 1;
      return;
    }
    const problem = hitProblem(payload.hit);
    if (problem) {
      this.report.invalid.push({ line, error: problem });
      return;
    }
    const hit = toHit(payload.hit as Record<string, unknown>);
    this.hits.set(hit.id, hit);
  }

  addLine(text: string, line: number): void {
    const trimmed = text.trim();
    if (trimmed === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      this.report.invalid.push({ line, error: `not JSON: ${(error as Error).message}` });
      return;
    }
    if (Array.isArray(parsed)) parsed.forEach((entry) => this.addEntry(entry, line));
    else this.addEntry(parsed, line);
  }
}

/** Reads log lines; a stream that starts with "[" is read whole as one JSON array. */
export async function collectHits(input: NodeJS.ReadableStream, collector = new HitCollector()): Promise<HitCollector> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let arrayText: string[] | null = null;
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    if (arrayText === null && collector.report.entries === 0 && collector.report.invalid.length === 0 && line.trimStart().startsWith('[')) arrayText = [];
    if (arrayText) arrayText.push(line);
    else collector.addLine(line, lineNumber);
  }
  if (arrayText) collector.addLine(arrayText.join('\n'), 1);
  return collector;
}

/** Stores the collected hits in batches; returns the completed report. */
export async function replayHits(store: Store, collector: HitCollector): Promise<ReplayReport> {
  const hits = [...collector.hits.values()];
  const report = collector.report;
  report.hits = hits.length;
  for (let start = 0; start < hits.length; start += BATCH_SIZE) {
    const result = await store.recordHits(hits.slice(start, start + BATCH_SIZE));
    report.stored += result.stored.length;
    report.orphaned += result.orphaned.length;
  }
  return report;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write('Usage: npm run replay -- [FILE.jsonl ...]\nStores the hits of "hit.unsaved" log lines; reads standard input when no file is given.\n');
    return 0;
  }
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }

  const missing = argv.find((file) => !existsSync(file));
  if (missing) {
    process.stderr.write(`File not found: ${missing}; give the path of a file of exported log lines\n`);
    return 2;
  }
  const collector = new HitCollector();
  if (argv.length === 0) await collectHits(process.stdin, collector);
  for (const file of argv) await collectHits(createReadStream(file), collector);

  const store = await openStore(config);
  let report: ReplayReport;
  try {
    report = await replayHits(store, collector);
  } finally {
    await store.close();
  }

  for (const problem of report.invalid) process.stderr.write(`line ${problem.line}: skipped, ${problem.error}\n`);
  process.stdout.write(
    `${JSON.stringify({ event: 'replay.done', store: config.store, ...report, invalid: report.invalid.length })}\n`,
  );
  return report.invalid.length > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`replay failed: ${error.stack ?? error.message}\n`);
      process.exit(1);
    },
  );
}
