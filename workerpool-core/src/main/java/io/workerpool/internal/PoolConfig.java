package io.workerpool.internal;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The validated, immutable settings of a pool, built by {@code Supervisor.Builder.build()}.
 *
 * @param workerIds initial worker ids, distinct, in the order given
 * @param stdout workers' stdout file (appended), or null for the master's own stdout
 * @param stderr workers' stderr file (appended), or null for the master's own stderr
 * @param listen address the master binds and shares, or null for none
 * @param listenPath Unix domain socket path the master binds and shares instead, or null for none
 * @param pidFile locked pidfile, or null for none
 * @param controlSocket the management socket, or null for none (by default beside the pidfile)
 * @param maxWorkerAge recycle a worker older than this (plus up to 10% jitter), or null for never
 * @param maxWorkerRssBytes recycle a worker whose resident memory passes this, or 0 for never
 * @param spares how many hot spare JVMs to keep warm, waiting for an id
 * @param reloadBatch how many workers a rolling reload replaces at the same time
 * @param metrics where the master serves /healthz, /readyz and /metrics over HTTP, or null for nowhere
 * @param readyShare the share of workers that must run for /readyz to answer 200, in (0, 1]
 * @param aotCache the workers' JDK AOT cache file (trained when missing or stale), or null for none
 * @param maxWorkerPssBytes recycle a worker whose proportional set size (from its heartbeat) passes this, or 0
 */
public record PoolConfig(
        List<Integer> workerIds,
        Duration checkInterval,
        Duration workerTimeout,
        Duration stopTimeout,
        Path stdout,
        Path stderr,
        InetSocketAddress listen,
        Path listenPath,
        int listenBacklog,
        Path pidFile,
        Path controlSocket,
        boolean daemonize,
        List<String> workerJvmOptions,
        java.time.Duration maxWorkerAge,
        long maxWorkerRssBytes,
        int spares,
        int reloadBatch,
        InetSocketAddress metrics,
        double readyShare,
        Path aotCache,
        long maxWorkerPssBytes) {

    public PoolConfig {
        workerIds = List.copyOf(workerIds);
        workerJvmOptions = List.copyOf(workerJvmOptions);
    }

    /** Without maxWorkerPss (issue 16 added it last). */
    public PoolConfig(List<Integer> workerIds, Duration checkInterval, Duration workerTimeout, Duration stopTimeout,
            Path stdout, Path stderr, InetSocketAddress listen, Path listenPath, int listenBacklog, Path pidFile,
            Path controlSocket, boolean daemonize, List<String> workerJvmOptions, Duration maxWorkerAge,
            long maxWorkerRssBytes, int spares, int reloadBatch, InetSocketAddress metrics, double readyShare,
            Path aotCache) {
        this(workerIds, checkInterval, workerTimeout, stopTimeout, stdout, stderr, listen, listenPath, listenBacklog,
                pidFile, controlSocket, daemonize, workerJvmOptions, maxWorkerAge, maxWorkerRssBytes, spares,
                reloadBatch, metrics, readyShare, aotCache, 0);
    }
}
