import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { GENERATOR_CORE } from './servers';

/*
 * The two load generators. wrk runs as its own process pinned to the
 * generator core; autocannon runs inside this process, which `npm run bench`
 * pins to the same core. Both keep `connections` connections busy for
 * `seconds` seconds, cycling through the same list of paths.
 */

/** A Chrome desktop user agent, so every hit goes through the full user agent parse. */
export const BENCH_USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

export interface LoadResult {
  tool: 'wrk' | 'autocannon';
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors, timeouts and responses with an unexpected status. */
  errors: number;
  /** Count of responses per status code. */
  statuses: Record<string, number>;
  /** Server CPU time (user + system) per response, in microseconds; null when not measured. */
  cpuMicrosPerRequest: number | null;
}

export interface LoadOptions {
  port: number;
  /** Process whose CPU time is read from /proc before and after the run. */
  serverPid?: number;
  paths: string[];
  seconds: number;
  connections: number;
  /** The status every response should have (200 for pixels, 302 for tracked links). */
  expectedStatus: number;
}

const WRK_SCRIPT = `
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS_FILE")) do paths[#paths + 1] = line end
local agent = os.getenv("BENCH_USER_AGENT")
local counter = 0
local statuses = {}

request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1], { ["User-Agent"] = agent })
end

response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

-- One thread (-t1) runs, so its table is the whole run's.
done = function(summary, latency, requests)
  for status, count in pairs(statuses) do io.write(string.format("status %d %d\\n", status, count)) end
end
`;

/** User plus system CPU time of a process in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces, so fields are counted after its closing bracket.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Linux's USER_HZ, the unit of /proc CPU times; 100 on every mainstream architecture. */
export const TICKS_PER_SECOND = 100;

/** Runs `run` and adds the server's CPU time per response to its result. */
async function withCpu(options: LoadOptions, run: () => Promise<Omit<LoadResult, 'cpuMicrosPerRequest'>>): Promise<LoadResult> {
  const before = options.serverPid ? cpuTicks(options.serverPid) : 0;
  const result = await run();
  if (!options.serverPid || result.requests === 0) return { ...result, cpuMicrosPerRequest: null };
  const ticks = cpuTicks(options.serverPid) - before;
  return { ...result, cpuMicrosPerRequest: (ticks / TICKS_PER_SECOND / result.requests) * 1e6 };
}

function toMs(value: string, unit: string): number {
  const number = Number(value);
  if (unit === 'us') return number / 1000;
  if (unit === 'ms') return number;
  if (unit === 's') return number * 1000;
  if (unit === 'm') return number * 60_000;
  throw new Error(`unknown wrk latency unit "${unit}"`);
}

/** Parses wrk's `--latency` report and the status lines our Lua `done` hook prints. */
export function parseWrk(output: string, expectedStatus: number): Omit<LoadResult, 'tool' | 'cpuMicrosPerRequest'> {
  const percentile = (p: string) => {
    const match = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(output);
    if (!match) throw new Error(`wrk output has no ${p}% latency line:\n${output}`);
    return toMs(match[1], match[2]);
  };
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(output);
  const total = /^\s+(\d+) requests in/m.exec(output);
  if (!rps || !total) throw new Error(`cannot read wrk output:\n${output}`);

  const statuses: Record<string, number> = {};
  for (const match of output.matchAll(/^status (\d+) (\d+)$/gm)) statuses[match[1]] = Number(match[2]);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = socket ? socket.slice(1).reduce((sum, value) => sum + Number(value), 0) : 0;
  const unexpected = Object.entries(statuses)
    .filter(([status]) => Number(status) !== expectedStatus)
    .reduce((sum, [, count]) => sum + count, 0);

  return {
    requests: Number(total[1]),
    requestsPerSecond: Number(rps[1]),
    p50Ms: percentile('50'),
    p99Ms: percentile('99'),
    errors: socketErrors + unexpected,
    statuses,
  };
}

export async function runWrk(options: LoadOptions, workDir: string): Promise<LoadResult> {
  return withCpu(options, () => runWrkOnce(options, workDir));
}

async function runWrkOnce(options: LoadOptions, workDir: string): Promise<Omit<LoadResult, 'cpuMicrosPerRequest'>> {
  const pathsFile = `${workDir}/paths-${options.port}.txt`;
  const scriptFile = `${workDir}/paths.lua`;
  writeFileSync(pathsFile, `${options.paths.join('\n')}\n`);
  writeFileSync(scriptFile, WRK_SCRIPT);
  const args = [
    '-c', GENERATOR_CORE, 'wrk', '-t1', `-c${options.connections}`, `-d${options.seconds}s`,
    '--timeout', '10s', '--latency', '-s', scriptFile, `http://127.0.0.1:${options.port}`,
  ];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('taskset', args, { env: { ...process.env, BENCH_PATHS_FILE: pathsFile, BENCH_USER_AGENT } });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited with ${code}:\n${text}`))));
  });
  return { tool: 'wrk', ...parseWrk(output, options.expectedStatus) };
}

export async function runAutocannon(options: LoadOptions): Promise<LoadResult> {
  return withCpu(options, () => runAutocannonOnce(options));
}

async function runAutocannonOnce(options: LoadOptions): Promise<Omit<LoadResult, 'cpuMicrosPerRequest'>> {
  let next = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${options.port}`,
    connections: options.connections,
    duration: options.seconds,
    timeout: 10,
    headers: { 'user-agent': BENCH_USER_AGENT },
    requests: [
      {
        setupRequest: (request) => {
          next = (next + 1) % options.paths.length;
          return { ...request, path: options.paths[next] };
        },
      },
    ],
  });
  const statuses: Record<string, number> = {};
  for (const [status, { count }] of Object.entries(result.statusCodeStats ?? {})) statuses[status] = count;
  const unexpected = Object.entries(statuses)
    .filter(([status]) => Number(status) !== options.expectedStatus)
    .reduce((sum, [, count]) => sum + count, 0);
  return {
    tool: 'autocannon',
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / (result.duration || options.seconds),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts + unexpected,
    statuses,
  };
}
