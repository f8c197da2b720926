// The talk's job in Node: global fetch, at most CONCURRENCY requests at a time, zips on stdin.
//
//     node examples/node_fetch.mjs URL [CONCURRENCY] [TIMEOUT_S] [RETRIES] < zips.txt
//
// Prints `jobs available: N`. Node 18 or later (global fetch); no packages.
const [url, concurrency = "10", timeout = "10", retries = "2"] = process.argv.slice(2);

async function count(zip) {
  for (let attempt = 0; attempt <= Number(retries); attempt++) {
    try {
      const response = await fetch(`${url}/api/jobs?LocationId=${zip}`, {
        signal: AbortSignal.timeout(Number(timeout) * 1000),
      });
      const body = await response.text();
      if (response.status === 200) return Number(JSON.parse(body).TotalJobs);
    } catch {
      // a timeout, a reset or a broken body: try again
    }
    await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
  }
  throw new Error(`${zip}: no answer after ${Number(retries) + 1} attempts`);
}

let input = "";
for await (const chunk of process.stdin) input += chunk;
const zips = input.split(/\s+/).filter(Boolean);
const lanes = Number(concurrency) || zips.length; // 0: every zip at once
let next = 0;
let total = 0;
async function lane() {
  while (next < zips.length) {
    const jobs = await count(zips[next++]);
    total += jobs; // not `total += await …`: that would read `total` before the wait
  }
}
await Promise.all(Array.from({ length: lanes }, lane));
console.log(`jobs available: ${total}`);
