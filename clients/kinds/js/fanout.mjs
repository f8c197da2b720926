// The talk's async.html as a Node script: global fetch and Promise.all.
// Reads a job on stdin ({url, zips, api, per_page, concurrency, timeout, retries, backoff,
// backoff_max, speed, cpu, cpu_kind, headers}) and prints one JSON line: {attempts, usage} in
// the Python clients' shape.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";

const job = JSON.parse(readFileSync(0, "utf8"));
const t0 = performance.now();
const now = () => (performance.now() - t0) / 1000;
const sleep = (s) => new Promise((done) => setTimeout(done, s * 1000));

function urlFor(zip) {
  const search = job.api === "search";
  const query = new URLSearchParams({ [search ? "LocationName" : "LocationId"]: zip });
  if (job.per_page !== null) query.set(search ? "ResultsPerPage" : "NumberOfJobs", job.per_page);
  return `${job.url.replace(/\/$/, "")}/api/${search ? "search" : "jobs"}?${query}`;
}

function countOf(body) {
  const doc = JSON.parse(body);
  const value = job.api === "search" ? doc.SearchResult.SearchResultCountAll : doc.TotalJobs;
  const count = Number.parseInt(value, 10);
  if (Number.isNaN(count)) throw new Error("no count");
  return count;
}

function timing(header) {
  const found = {};
  for (const [, name, value] of (header || "").matchAll(/(\w+);dur=([0-9.]+)/g)) {
    found[name] = Number(value) / 1000;
  }
  return found;
}

async function once(zip, attempt, lane) {
  const start = now();
  const record = { zip, attempt, start, end: start, status: null, bytes: 0, jobs: null,
                   error: null, lane, intended: null, queue: null, overshoot: null };
  let retryAfter = null;
  let body = "";
  try {
    const signal = AbortSignal.timeout((job.timeout / job.speed) * 1000);
    const response = await fetch(urlFor(zip), { signal, headers: job.headers ?? {} });
    body = await response.text();
    Object.assign(record, { status: response.status, bytes: Buffer.byteLength(body) });
    const t = timing(response.headers.get("server-timing"));
    Object.assign(record, { intended: t.intended ?? null, queue: t.queue ?? null,
                            overshoot: t.overshoot ?? null });
    const ms = response.headers.get("retry-after-ms");
    const s = response.headers.get("retry-after");
    retryAfter = ms !== null ? Number(ms) / 1000 : s !== null ? Number(s) : null;
    if (response.status !== 200) record.error = `http_${response.status}`;
    else {
      try { record.jobs = countOf(body); } catch { record.error = "malformed"; }
    }
  } catch (error) {
    const name = error.name === "TimeoutError" || error.name === "AbortError" ? "timeout" : null;
    record.error = name ?? (String(error.cause?.code || "").includes("ECONNRESET")
      ? "connection" : error.cause?.name === "SocketError" ? "connection" : "payload");
  }
  record.end = now();
  return { record, retryAfter, body };
}

// [workload] cpu: `seconds` of CPU after each answer, as clients/cpuwork.py does: "python" is a
// loop in JS over the answer, "native" SHA-256 in C; both on this thread (Node runs JS on one).
// Measured on this thread's clock where Node has one (v23.9+), else the process's.
const FILLER = Buffer.alloc(65536, 7);
const STEP = 65536;  // bytes between two looks at the clock: JIT-compiled JS is fast
function cpuClock() {
  const used = process.threadCpuUsage ? process.threadCpuUsage() : process.cpuUsage();
  return (used.user + used.system) / 1e6;
}
let rolling = 0;
function burn(seconds, kind, body) {
  if (!(seconds > 0)) return;
  const data = Buffer.concat([Buffer.from(body), FILLER]);
  const hash = createHash("sha256");
  let offset = 0;
  const start = cpuClock();
  while (cpuClock() - start < seconds) {
    if (offset + STEP > data.length) offset = 0;
    if (kind === "python") {
      for (let i = offset; i < offset + STEP; i++) rolling = (rolling * 31 + data[i]) >>> 0;
    } else hash.update(data.subarray(offset, offset + STEP));
    offset += STEP;
  }
}

function retryable(r) {
  return r.error !== null && (r.status === null || r.status === 429 || r.status >= 500 ||
    r.error === "malformed" || r.error === "payload");
}

let nextLane = 0;
const freeLanes = [];
async function fetchZip(zip) {
  const records = [];
  for (let attempt = 0; attempt <= job.retries; attempt++) {
    const lane = freeLanes.length ? freeLanes.sort((a, b) => a - b).shift() : nextLane++;
    const { record, retryAfter, body } = await once(zip, attempt, lane);
    freeLanes.push(lane);
    records.push(record);
    if (record.error === null) burn(job.cpu / job.speed, job.cpu_kind, body);
    if (record.error === null || !retryable(record) || attempt === job.retries) break;
    const backoff = Math.min(job.backoff * 2 ** attempt, job.backoff_max) / job.speed;
    await sleep(Math.max(backoff, retryAfter ?? 0));
  }
  return records;
}

async function limited(zips, limit) {
  const results = [];
  let index = 0;
  const worker = async () => {
    while (index < zips.length) results.push(...(await fetchZip(zips[index++])));
  };
  await Promise.all(Array.from({ length: Math.min(limit, zips.length) }, worker));
  return results;
}

// How late the loop ran a timer, sampled every 10 ms by Node itself (the Python loops' lag).
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
// Its histogram only hears from a timer that got to run: a heartbeat on the same period says
// how late the one still due at the end is (a loop blocked to the end has no other sample).
let beat = performance.now();
const heartbeat = setInterval(() => { beat = performance.now(); }, 10);
const before = { cpu: process.cpuUsage(), rss: process.resourceUsage().maxRSS };
const attempts = job.concurrency > 0
  ? await limited(job.zips, job.concurrency)
  : (await Promise.all(job.zips.map(fetchZip))).flat();  // the talk's Promise.all
const wall = now();
const cpu = process.cpuUsage(before.cpu);
delay.disable();
clearInterval(heartbeat);
const overdue = Math.max(0, (performance.now() - beat) / 1000 - 0.01);
let threads = 1;
try { threads = readdirSync("/proc/self/task").length; } catch { /* not Linux */ }
const usage = {
  mem: (process.resourceUsage().maxRSS - before.rss) * 1024,
  utime: cpu.user / 1e6, stime: cpu.system / 1e6, time: wall, peak_threads: threads,
};
const lateness = (ns) => Math.max(0, ns / 1e9 - 0.01);  // its samples are whole intervals
const sampled = delay.count > 0;
const loop_lag = {
  p99: sampled ? lateness(delay.percentile(99)) : overdue,
  max: Math.max(sampled ? lateness(delay.max) : 0, overdue),
  samples: delay.count + (overdue > 0 ? 1 : 0), every: 0.01,
};
process.stdout.write(JSON.stringify({ attempts, usage, loop_lag, node: process.version }) + "\n");
