package io.workerpool.internal;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The validated, immutable settings of a pool, built once by {@code Supervisor.Builder.build()} through
 * {@link #builder()} (the only caller of the canonical constructor).
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

    /**
     * The library's defaults, written only in {@link Builder}'s fields: {@code Supervisor.Builder} starts from
     * these, so that the two builders cannot disagree.
     */
    public static final PoolConfig DEFAULTS = builder().build();

    /** A builder with the library's defaults; it checks nothing ({@code Supervisor.Builder.build()} does). */
    public static Builder builder() {
        return new Builder();
    }

    /** The one way to make a PoolConfig: named settings, built once. */
    public static final class Builder {
        private List<Integer> workerIds = List.of(0, 1);
        private Duration checkInterval = Duration.ofSeconds(1);
        private Duration workerTimeout = Duration.ofSeconds(30);
        private Duration stopTimeout = Duration.ofSeconds(30);
        private Path stdout;
        private Path stderr;
        private InetSocketAddress listen;
        private Path listenPath;
        private int listenBacklog = 1024;
        private Path pidFile;
        private Path controlSocket;
        private boolean daemonize;
        private List<String> workerJvmOptions = List.of();
        private Duration maxWorkerAge;
        private long maxWorkerRssBytes;
        private int spares;
        private int reloadBatch = 1;
        private InetSocketAddress metrics;
        private double readyShare = 0.5;
        private Path aotCache;
        private long maxWorkerPssBytes;

        private Builder() {
        }

        public Builder workerIds(List<Integer> v) {
            workerIds = v;
            return this;
        }

        public Builder checkInterval(Duration v) {
            checkInterval = v;
            return this;
        }

        public Builder workerTimeout(Duration v) {
            workerTimeout = v;
            return this;
        }

        public Builder stopTimeout(Duration v) {
            stopTimeout = v;
            return this;
        }

        public Builder stdout(Path v) {
            stdout = v;
            return this;
        }

        public Builder stderr(Path v) {
            stderr = v;
            return this;
        }

        public Builder listen(InetSocketAddress v) {
            listen = v;
            return this;
        }

        public Builder listenPath(Path v) {
            listenPath = v;
            return this;
        }

        public Builder listenBacklog(int v) {
            listenBacklog = v;
            return this;
        }

        public Builder pidFile(Path v) {
            pidFile = v;
            return this;
        }

        public Builder controlSocket(Path v) {
            controlSocket = v;
            return this;
        }

        public Builder daemonize(boolean v) {
            daemonize = v;
            return this;
        }

        public Builder workerJvmOptions(List<String> v) {
            workerJvmOptions = v;
            return this;
        }

        public Builder maxWorkerAge(Duration v) {
            maxWorkerAge = v;
            return this;
        }

        public Builder maxWorkerRssBytes(long v) {
            maxWorkerRssBytes = v;
            return this;
        }

        public Builder spares(int v) {
            spares = v;
            return this;
        }

        public Builder reloadBatch(int v) {
            reloadBatch = v;
            return this;
        }

        public Builder metrics(InetSocketAddress v) {
            metrics = v;
            return this;
        }

        public Builder readyShare(double v) {
            readyShare = v;
            return this;
        }

        public Builder aotCache(Path v) {
            aotCache = v;
            return this;
        }

        public Builder maxWorkerPssBytes(long v) {
            maxWorkerPssBytes = v;
            return this;
        }

        public PoolConfig build() {
            return new PoolConfig(workerIds, checkInterval, workerTimeout, stopTimeout, stdout, stderr, listen,
                    listenPath, listenBacklog, pidFile, controlSocket, daemonize, workerJvmOptions, maxWorkerAge,
                    maxWorkerRssBytes, spares, reloadBatch, metrics, readyShare, aotCache, maxWorkerPssBytes);
        }
    }
}
