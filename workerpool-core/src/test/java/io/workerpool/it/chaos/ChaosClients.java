package io.workerpool.it.chaos;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Continuous client load on the pool's shared socket: a few threads, each sending one request after another
 * (a short pause between two, so the load does not starve the JVM restarts on a small machine). Counts
 * outcomes instead of keeping them, so a long run stays small, and tracks the longest stretch without any
 * successful answer: the figure that says whether service continued.
 */
final class ChaosClients implements AutoCloseable {
    /** How a request ended. */
    enum Outcome {
        OK, CONNECT_FAILED, RESET_OR_EOF, TIMEOUT
    }

    private static final int TIMEOUT_MILLIS = 10_000;
    private final int port;
    private final Duration pause;
    private final List<Thread> threads = new ArrayList<>();
    private final LongAdder[] counts = new LongAdder[Outcome.values().length];
    private final AtomicLong lastOkNanos = new AtomicLong(System.nanoTime());
    private final AtomicLong longestGapNanos = new AtomicLong();
    private volatile boolean stopped;

    private ChaosClients(int port, Duration pause) {
        this.port = port;
        this.pause = pause;
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    static ChaosClients start(int port, int clients, Duration pause) {
        ChaosClients load = new ChaosClients(port, pause);
        for (int i = 0; i < clients; i++) {
            load.threads.add(Thread.ofPlatform().daemon().name("chaos-client-" + i).start(load::run));
        }
        return load;
    }

    private void run() {
        while (!stopped) {
            Outcome outcome = request();
            counts[outcome.ordinal()].increment();
            if (outcome == Outcome.OK) {
                long now = System.nanoTime();
                long previous = lastOkNanos.getAndSet(now);
                longestGapNanos.accumulateAndGet(now - previous, Math::max);
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private Outcome request() {
        try (Socket socket = new Socket()) {
            socket.setSoLinger(true, 0); // closes with a reset: no TIME_WAIT pile-up on loopback
            try {
                socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
            } catch (IOException e) {
                return Outcome.CONNECT_FAILED;
            }
            socket.setSoTimeout(TIMEOUT_MILLIS);
            socket.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            byte[] reply = in.readNBytes(5);
            return new String(reply, StandardCharsets.US_ASCII).equals("pong ") ? Outcome.OK : Outcome.RESET_OR_EOF;
        } catch (SocketTimeoutException e) {
            return Outcome.TIMEOUT;
        } catch (IOException e) {
            return Outcome.RESET_OR_EOF;
        }
    }

    long count(Outcome outcome) {
        return counts[outcome.ordinal()].sum();
    }

    long ok() {
        return count(Outcome.OK);
    }

    long total() {
        long total = 0;
        for (LongAdder count : counts) {
            total += count.sum();
        }
        return total;
    }

    long failed() {
        return total() - ok();
    }

    /** The longest time between two successful answers so far (or since the start, for the first one). */
    Duration longestGap() {
        long sinceLast = System.nanoTime() - lastOkNanos.get();
        return Duration.ofNanos(Math.max(longestGapNanos.get(), sinceLast));
    }

    /** Starts counting the longest gap afresh, e.g. once the pool is warmed up. */
    void resetGap() {
        lastOkNanos.set(System.nanoTime());
        longestGapNanos.set(0);
    }

    String failuresByKind() {
        return "connect " + count(Outcome.CONNECT_FAILED) + ", reset/EOF " + count(Outcome.RESET_OR_EOF)
                + ", timeout " + count(Outcome.TIMEOUT);
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        for (Thread thread : threads) {
            thread.interrupt();
            if (!thread.join(Duration.ofSeconds(TIMEOUT_MILLIS / 1000 + 5))) {
                throw new IllegalStateException(thread.getName() + " did not finish its request in time");
            }
        }
    }
}
