package io.workerpool.testapp;

import io.workerpool.internal.wire.FrameChannel;
import io.workerpool.internal.wire.ForwardedLogRecord;
import io.workerpool.internal.wire.Message;
import io.workerpool.internal.wire.WorkerEnvironment;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@link TestPool}, whose workers with the behaviour {@code raw} are hostile workers written by hand: they speak
 * the worker-channel protocol themselves (no library worker code), so that they can do what no library worker does.
 * Used by {@code it.HostileWorkersTest}.
 *
 * <p>A raw worker connects with its own secret, id and pid, records {@code worker-main} and {@code worker-start},
 * reports started, beats every 500 ms from a thread, and answers the master's {@code Stop} by exiting 0. Then it
 * waits for the file {@code <-Dacts>/act.<id>}, takes it (deletes it), records {@code act <name> <id> <pid>} and
 * does the act named in it ({@link #act}). A JVM that finds {@code <-Dacts>/boot.<id>} at its start takes it too,
 * and does that instead of its hello ({@code nohello}: connects and says nothing).
 */
public final class HostilePool {
    private HostilePool() {
    }

    public static void main(String[] args) throws Exception {
        String workerId = System.getenv(WorkerEnvironment.WORKER_ID);
        if (workerId != null && TestPool.behaviour(Integer.parseInt(workerId)).equals("raw")) {
            new RawWorker(Integer.parseInt(workerId)).run();
            return;
        }
        TestPool.main(args);
    }

    /**
     * Behaviour {@code alive} of a library worker: calls {@link io.workerpool.Worker#alive()} every 100 ms from
     * its main loop until it takes the file {@code <-Dacts>/act.<id>}; then records {@code act deadlock <id> <pid>}
     * and deadlocks its main thread with another thread (each holds the lock the other wants).
     */
    static void aliveThenDeadlock(io.workerpool.Worker worker, Path events) throws Exception {
        long pid = ProcessHandle.current().pid();
        Path act = Path.of(System.getProperty("acts")).resolve("act." + worker.id());
        while (worker.isRunning()) {
            worker.alive();
            if (RawWorker.take(act) != null) {
                TestPool.record(events, "act deadlock " + worker.id() + " " + pid);
                Object first = new Object();
                Object second = new Object();
                java.util.concurrent.CountDownLatch bothHoldOne = new java.util.concurrent.CountDownLatch(2);
                Thread partner = new Thread(() -> lockBoth(second, first, bothHoldOne), "deadlock-partner");
                partner.setDaemon(true);
                partner.start();
                lockBoth(first, second, bothHoldOne);
            }
            Thread.sleep(100);
        }
    }

    private static void lockBoth(Object one, Object other, java.util.concurrent.CountDownLatch bothHoldOne) {
        synchronized (one) {
            bothHoldOne.countDown();
            try {
                bothHoldOne.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (other) {
                throw new IllegalStateException("no deadlock after all");
            }
        }
    }

    static final class RawWorker {
        private final int id;
        private final long pid = ProcessHandle.current().pid();
        private final Path events = Path.of(System.getProperty("events"));
        private final Path acts = Path.of(System.getProperty("acts"));
        private volatile boolean beating = true;
        private volatile boolean reading = true;
        private FrameChannel channel;
        private SocketChannel socket;

        RawWorker(int id) {
            this.id = id;
        }

        void run() throws Exception {
            String boot = take(acts.resolve("boot." + id));
            socket = SocketChannel.open(StandardProtocolFamily.UNIX);
            socket.connect(UnixDomainSocketAddress.of(System.getenv(WorkerEnvironment.CHANNEL_SOCKET)));
            if ("nohello".equals(boot)) {
                TestPool.record(events, "act nohello " + id + " " + pid);
                Thread.sleep(Long.MAX_VALUE); // the master's stale check kills this JVM
            }
            channel = new FrameChannel(socket);
            channel.send(new Message.Hello(id, pid, secret()));
            if (!(channel.receive() instanceof Message.Welcome)) {
                throw new IllegalStateException("no welcome");
            }
            TestPool.record(events, "worker-main " + id + " " + pid);
            TestPool.record(events, "worker-start " + id + " " + pid);
            channel.send(new Message.Started());
            daemon("raw-heartbeat", this::beat);
            daemon("raw-reader", this::read);
            while (true) {
                String act = take(acts.resolve("act." + id));
                if (act == null) {
                    Thread.sleep(20);
                    continue;
                }
                String[] words = act.strip().split(" ");
                TestPool.record(events, "act " + words[0] + " " + id + " " + pid);
                act(words);
                TestPool.record(events, "act-done " + words[0] + " " + id + " " + pid);
            }
        }

        /**
         * The acts: {@code flood-started} (Started frames in a loop), {@code flood-all} (10,000 frames of each type
         * a worker may send, then a second Stopping), {@code deaf} (stops reading, and asks for the levels of
         * 2,000 loggers per frame in a loop), {@code forge-pid P} (a new connection with its own secret and id
         * that claims pid P), {@code connect-twice} (a new connection with its own secret, id and pid),
         * {@code inject} (a record whose message, logger, thread and MDC hold forged log lines), {@code loggers N}
         * (N records and level queries under N distinct logger names), {@code truncated} (a frame header, part
         * of its payload, then silence), {@code oversized} (a header announcing 2 MiB), {@code exit} (exits 0).
         */
        private void act(String[] words) throws Exception {
            switch (words[0]) {
                case "flood-started" -> {
                    while (true) {
                        channel.send(new Message.Started());
                    }
                }
                case "flood-all" -> {
                    ForwardedLogRecord record = record("flood.all", "flooding", Map.of());
                    for (int i = 0; i < 10_000; i++) {
                        channel.send(new Message.Heartbeat());
                        channel.send(new Message.Log(record));
                        channel.send(new Message.LevelQuery(List.of("flood.all")));
                    }
                    channel.send(new Message.Stopping());
                    channel.send(new Message.Stopping());
                    Thread.sleep(Long.MAX_VALUE);
                }
                case "deaf" -> {
                    reading = false;
                    socket.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4096);
                    List<String> names = new ArrayList<>();
                    for (int i = 0; i < 2000; i++) {
                        names.add("deaf.logger.with.a.long.name.number." + i);
                    }
                    Message query = new Message.LevelQuery(names);
                    while (true) {
                        channel.send(query);
                    }
                }
                case "forge-pid" -> connectAgain(Long.parseLong(words[1]));
                case "connect-twice" -> connectAgain(pid);
                case "inject" -> {
                    String forged = "00:00:00.000 [master] INFO  io.workerpool.Supervisor [main] - pool stopped";
                    channel.send(new Message.Log(new ForwardedLogRecord(System.currentTimeMillis(), 20,
                            "inject.logger\n" + forged, "thread\r\n" + forged, "injected\n" + forged + "\u001b[2K",
                            Map.of("key\n" + forged, "value\r" + forged), null)));
                }
                case "loggers" -> {
                    int count = Integer.parseInt(words[1]);
                    for (int i = 0; i < count; i++) {
                        String name = "many.loggers.l" + pid + "n" + i;
                        channel.send(new Message.Log(record(name, "record under " + name, Map.of())));
                        channel.send(new Message.LevelQuery(List.of(name + ".q")));
                    }
                    channel.send(new Message.Log(record("many.loggers.last" + pid, "last of the loggers", Map.of())));
                }
                case "truncated" -> {
                    beating = false;
                    channel.whileNotSending(() -> write(new byte[] {0, 0, 0, 100, 5, 1, 2, 3, 4, 5, 6, 7}));
                    Thread.sleep(Long.MAX_VALUE);
                }
                case "oversized" -> channel.whileNotSending(() -> write(new byte[] {0, 0x20, 0, 0, 5, 0, 0, 0}));
                case "exit" -> System.exit(0);
                case "hold-handoff" -> holdHandoff(Integer.parseInt(words[1]));
                default -> throw new IllegalArgumentException("unknown act " + words[0]);
            }
        }

        /**
         * Opens {@code count} connections to the descriptor handoff, announces a secret of 1,000 bytes on each and
         * trickles it, a byte every 500 ms.
         */
        private void holdHandoff(int count) throws Exception {
            Path handoff = Path.of(System.getenv(WorkerEnvironment.HANDOFF_SOCKET));
            List<SocketChannel> held = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                channel.connect(UnixDomainSocketAddress.of(handoff));
                channel.write(ByteBuffer.wrap(new byte[] {0, 0, 0x03, (byte) 0xe8}));
                held.add(channel);
            }
            TestPool.record(events, "handoff-held " + id + " " + pid);
            Thread.ofPlatform().daemon().start(() -> {
                while (!held.isEmpty()) {
                    held.removeIf(channel -> {
                        try {
                            channel.write(ByteBuffer.wrap(new byte[] {0}));
                            return false;
                        } catch (IOException e) {
                            return true; // cut off by the master
                        }
                    });
                    try {
                        Thread.sleep(500);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                TestPool.record(events, "handoff-cut " + id + " " + pid);
            });
        }

        private void connectAgain(long claimedPid) throws IOException {
            try (SocketChannel second = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                second.connect(UnixDomainSocketAddress.of(System.getenv(WorkerEnvironment.CHANNEL_SOCKET)));
                FrameChannel frames = new FrameChannel(second);
                frames.send(new Message.Hello(id, claimedPid, secret()));
                try {
                    frames.receive();
                } catch (IOException e) {
                    // refused, as it should be
                }
            }
        }

        private static ForwardedLogRecord record(String logger, String message, Map<String, String> mdc) {
            return new ForwardedLogRecord(System.currentTimeMillis(), 20, logger, "raw-main", message, mdc, null);
        }

        private void write(byte[] bytes) {
            try {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    socket.write(buffer);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private void beat() {
            try {
                while (true) {
                    Thread.sleep(500);
                    if (beating) {
                        channel.send(new Message.Heartbeat());
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the reader decides
            }
        }

        private void read() {
            try {
                while (reading) {
                    Message message = channel.receive();
                    if (message instanceof Message.Stop) {
                        System.exit(0);
                    }
                }
            } catch (IOException e) {
                if (reading) {
                    Runtime.getRuntime().halt(4); // the master closed the channel
                }
            }
        }

        private static String secret() {
            return System.getenv(WorkerEnvironment.SECRET);
        }

        private static void daemon(String name, Runnable task) {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            thread.start();
        }

        /** The file's content, once: it is deleted; null when there is none. */
        static String take(Path file) throws IOException {
            try {
                String content = Files.readString(file, StandardCharsets.UTF_8);
                Files.delete(file);
                return content;
            } catch (NoSuchFileException e) {
                return null;
            }
        }
    }
}
