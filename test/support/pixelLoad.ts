import { Agent, request } from 'node:http';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { loggerOptions } from '../../tracker/logger';

/*
 * Bounded HTTP load for the production tests and the group-commit benchmark.
 * Every request carries its number in the user agent ("load-<n>"), so a test
 * can match each acknowledged response with the hit stored for it.
 */

export interface LoadResult {
  index: number;
  status: number | null;
  /** Location header of a redirect. */
  location: string | null;
  contentType: string | null;
  error: string | null;
}

export const loadUserAgent = (index: number) => `load-${index}`;

/** Index of a request from the user agent of its hit, or null for other hits. */
export function loadIndex(userAgent: string | null): number | null {
  const match = /^load-(\d+)$/.exec(userAgent ?? '');
  return match ? Number(match[1]) : null;
}

/**
 * Sends `count` GET requests to `urlFor(i)` on 127.0.0.1, at most `concurrency`
 * at a time, and stops starting new ones when `shouldStop` returns true.
 * `onResult` receives each result as it arrives.
 */
export async function sendLoad(
  urlFor: (index: number) => string,
  count: number,
  concurrency: number,
  shouldStop: () => boolean = () => false,
  onResult: (result: LoadResult) => void = () => {},
): Promise<LoadResult[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const results: LoadResult[] = [];
  let next = 0;

  const sendOne = (index: number) =>
    new Promise<LoadResult>((resolve) => {
      const url = new URL(urlFor(index));
      if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost') throw new Error(`load test target ${url.hostname} is not loopback`);
      const req = request(url, { agent, headers: { 'user-agent': loadUserAgent(index) }, timeout: 20_000 }, (res) => {
        res.resume();
        res.on('end', () =>
          resolve({
            index,
            status: res.statusCode ?? null,
            location: (res.headers.location as string | undefined) ?? null,
            contentType: (res.headers['content-type'] as string | undefined) ?? null,
            error: null,
          }),
        );
        res.on('error', (error) => resolve({ index, status: null, location: null, contentType: null, error: error.message }));
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (error) => resolve({ index, status: null, location: null, contentType: null, error: error.message }));
      req.end();
    });

  const worker = async () => {
    while (next < count && !shouldStop()) {
      const index = next;
      next += 1;
      const result = await sendOne(index);
      results.push(result);
      onResult(result);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return results.sort((a, b) => a.index - b.index);
}

/** Creates a pino logger formatted as the tracker's that keeps its JSON lines in memory. */
export function memoryLogger(level = 'info'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(line);
      callback();
    },
  });
  const options = loggerOptions(level) as pino.LoggerOptions;
  return { logger: pino(options, stream), lines };
}
