package io.workerpool.cli;

import io.workerpool.internal.Durations;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request on a pool's management socket: a request line out, one reply line back ({@code ok <result>} or
 * {@code error <message>}), then the master closes the connection.
 */
final class ManagementClient {
    private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(15);
    private static final int MAX_REPLY_BYTES = 1 << 20;

    private final Path socket;
    private final Path pidFile;

    /** @param pidFile the pidfile the socket was found by, or null when it was named itself; for messages */
    ManagementClient(Path socket, Path pidFile) {
        this.socket = socket;
        this.pidFile = pidFile;
    }

    Path socket() {
        return socket;
    }

    /**
     * Sends {@code request} and returns the result after "ok ".
     *
     * @throws CliException (failure) when no pool answers, or with the pool's own error message
     */
    String request(String request) {
        String reply = exchange(request);
        if (reply.equals("ok")) {
            return "";
        }
        if (reply.startsWith("ok ")) {
            return reply.substring(3).strip();
        }
        if (reply.startsWith("error ")) {
            throw CliException.failure(reply.substring(6).strip());
        }
        throw CliException.failure("unexpected reply from the pool at " + socket + ": '" + abbreviate(reply) + "'");
    }

    /** The raw reply line. @throws CliException (failure) when no pool answers */
    String exchange(String request) {
        if (!Files.exists(socket)) {
            throw noPool(pidFile != null ? "no control socket at " + socket : "no such socket");
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            connect(channel);
            return withTimeout(channel, () -> {
                ByteBuffer out = ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8));
                while (out.hasRemaining()) {
                    channel.write(out);
                }
                return readReply(channel);
            });
        } catch (IOException e) {
            throw CliException.failure("the pool at " + socket + " broke off the request '" + request + "': "
                    + e.getMessage());
        }
    }

    private void connect(SocketChannel channel) {
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (ConnectException e) {
            throw noPool(pidFile != null ? "the control socket " + socket + " is left over: nothing answers there"
                    : "it is left over: nothing answers there");
        } catch (SocketException e) {
            String reason = String.valueOf(e.getMessage());
            throw CliException.failure("cannot connect to the control socket " + socket + ": " + reason
                    + (reason.toLowerCase(java.util.Locale.ROOT).contains("permission")
                    ? " (only the pool's own user may control it)" : ""));
        } catch (IOException e) {
            throw CliException.failure("cannot connect to the control socket " + socket + ": " + e.getMessage());
        }
    }

    private CliException noPool(String why) {
        return CliException.failure("no pool is running with " + (pidFile != null ? "pidfile " + pidFile
                : "control socket " + socket) + " (" + why + ")");
    }

    private static String readReply(SocketChannel channel) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        while (true) {
            if (!in.hasRemaining()) {
                if (in.capacity() >= MAX_REPLY_BYTES) {
                    throw new IOException("reply longer than " + MAX_REPLY_BYTES + " bytes");
                }
                in = ByteBuffer.allocate(in.capacity() * 2).put(in.flip());
            }
            int n = channel.read(in);
            for (int i = in.position() - Math.max(n, 0); i < in.position(); i++) {
                if (in.get(i) == '\n') {
                    return new String(in.array(), 0, i, StandardCharsets.UTF_8);
                }
            }
            if (n < 0) {
                return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8).strip();
            }
        }
    }

    private interface Exchange {
        String run() throws IOException;
    }

    /** A master that accepts but never answers must not hang the command: close the channel after a while. */
    private String withTimeout(SocketChannel channel, Exchange exchange) throws IOException {
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("workerpool-cli-timeout").factory());
        ScheduledFuture<?> alarm = timer.schedule(() -> {
            timedOut.set(true);
            try {
                channel.close();
            } catch (IOException ignored) {
                // the blocked read returns either way
            }
        }, REPLY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        try {
            return exchange.run();
        } catch (IOException e) {
            if (timedOut.get()) {
                throw CliException.failure("the pool at " + socket + " did not answer within "
                        + Durations.format(REPLY_TIMEOUT));
            }
            throw e;
        } finally {
            alarm.cancel(false);
            timer.shutdownNow();
        }
    }

    private static String abbreviate(String text) {
        String line = text.replaceAll("\\p{Cntrl}", "?");
        return line.length() > 80 ? line.substring(0, 80) + "..." : line;
    }
}
