// Peer for comparisons: Node's cluster module serving a hello-world on one port with N workers, the primary
// forking a replacement whenever a worker exits (kill -9 included).
//   node node-cluster-hello.js [PORT] [WORKERS]     (defaults: 8081, 2; listens on 127.0.0.1 only)
// Node's default scheduling on Linux is round-robin: the primary accepts and passes each connection to a
// worker. NODE_CLUSTER_SCHED_POLICY=none makes the workers accept on a shared socket, like workerpool.
'use strict';
const cluster = require('node:cluster');
const http = require('node:http');

const port = Number(process.argv[2] || 8081);
const workers = Number(process.argv[3] || 2);

if (cluster.isPrimary) {
  console.log(`primary ${process.pid}: ${workers} workers on http://127.0.0.1:${port}/ (sched ${
    cluster.schedulingPolicy === cluster.SCHED_RR ? 'rr' : 'none'})`);
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('online', (w) => console.log(`worker ${w.id} pid ${w.process.pid} online`));
  cluster.on('exit', (w, code, signal) => {
    console.log(`worker ${w.id} pid ${w.process.pid} exited (${signal || code}); forking a replacement`);
    cluster.fork();
  });
  const stop = () => {
    cluster.removeAllListeners('exit');
    for (const w of Object.values(cluster.workers)) w.kill();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  const body = `hello from worker ${cluster.worker.id} (pid ${process.pid})\n`;
  http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(body);
  }).listen(port, '127.0.0.1');
}
