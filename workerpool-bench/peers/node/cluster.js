'use strict';
// Node.js cluster peer of workerpool-bench: a primary that forks WORKERS HTTP workers on 127.0.0.1:PORT and
// forks a new one as soon as one exits (the usual `cluster.on('exit', fork)`), with Node's default
// scheduling policy. A worker is ready when its listen callback runs: it then appends
// "<id> <pid> <epoch nanos> <cpu nanos used so far>" to STAMPS, in one write.
// Usage: node cluster.js WORKERS PORT STAMPS
const cluster = require('node:cluster');
const fs = require('node:fs');
const http = require('node:http');
const { performance } = require('node:perf_hooks');

const [workers, port, stamps] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];

// Wall clock in ns: the process's start time plus the monotonic time since (microsecond resolution).
function epochNanos() {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

if (cluster.isPrimary) {
  let stopping = false;
  const fork = (id) => {
    cluster.fork({ BENCH_WORKER_ID: String(id) }).on('exit', () => {
      if (!stopping) fork(id);
    });
  };
  for (let id = 0; id < workers; id++) fork(id);
  process.on('SIGTERM', () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGTERM');
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers).length === 0) process.exit(0);
    });
    setTimeout(() => process.exit(0), 5000).unref();
  });
} else {
  const id = process.env.BENCH_WORKER_ID;
  const body = `hello from worker ${id} (pid ${process.pid})\n`;
  http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(body);
  }).listen(port, '127.0.0.1', () => {
    const cpu = process.cpuUsage();
    fs.appendFileSync(stamps, `${id} ${process.pid} ${epochNanos()} ${(cpu.user + cpu.system) * 1000}\n`);
  });
}
