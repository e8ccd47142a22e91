package io.workerpool.internal.master;

import io.workerpool.Callback;
import io.workerpool.internal.PoolConfig;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** Placeholder, being written. */
public final class Pool {
    public Pool(PoolConfig config) {
    }

    public void onStart(Callback cb) {
    }

    public void onShutdown(Callback cb) {
    }

    public void run() {
        throw new UnsupportedOperationException("being written");
    }

    public void addWorker(int id) {
    }

    public CompletableFuture<Integer> removeWorker(int id) {
        return null;
    }

    public Set<Integer> workerIds() {
        return Set.of();
    }

    public void terminate() {
    }

    public void interrupt() {
    }
}
