package io.workerpool.it;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One request to {@code io.workerpool.testapp.HttpPool} on 127.0.0.1, over a plain socket so that every step
 * is visible: connected, accepted (the interim {@code 103} arrived), answered ({@code 200}).
 */
final class HttpExchange {
    private static final Pattern WORKER_HEADER = Pattern.compile("X-Worker: (\\d+) (\\d+)");
    private static final Pattern BODY = Pattern.compile("worker (\\d+) pid (\\d+)\n$");

    /** How an exchange ended. */
    enum Failure {
        /** no failure: a 200 arrived */
        NONE,
        /** the connection was refused or could not be made: the request never reached the listening socket */
        CONNECT,
        /** connected, then reset, closed or timed out before the worker said it accepted the request */
        BEFORE_ACCEPT,
        /** a worker accepted the request (103 arrived) but no 200 followed */
        AFTER_ACCEPT
    }

    /**
     * @param acceptedNanos when the 103 arrived (System.nanoTime), meaningful when {@code acceptedPid > 0}
     * @param acceptedPid the worker that accepted the request, or -1
     * @param pid the worker that answered 200, or -1
     */
    record Outcome(long startNanos, long acceptedNanos, long endNanos, long acceptedPid, long pid, Failure failure,
                   String error) {
        boolean ok() {
            return failure == Failure.NONE;
        }

        @Override
        public String toString() {
            return ok() ? "200 from pid " + pid
                    : failure + (acceptedPid > 0 ? " (accepted by pid " + acceptedPid + ")" : "") + ": " + error;
        }
    }

    private HttpExchange() {
    }

    /** Sends {@code GET path}; {@code onAccepted} gets the accepting worker's pid when the 103 arrives. */
    static Outcome get(int port, String path, int timeoutMillis, LongConsumer onAccepted) {
        long start = System.nanoTime();
        long acceptedNanos = 0;
        long acceptedPid = -1;
        try (Socket socket = new Socket()) {
            socket.setSoLinger(true, 0); // no TIME_WAIT pile-up on loopback under load
            try {
                socket.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
            } catch (IOException e) {
                return new Outcome(start, 0, System.nanoTime(), -1, -1, Failure.CONNECT, e.toString());
            }
            socket.setSoTimeout(timeoutMillis);
            try {
                OutputStream out = socket.getOutputStream();
                out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = new BufferedInputStream(socket.getInputStream());
                String head = readHead(in);
                if (head.startsWith("HTTP/1.1 103 ")) {
                    acceptedNanos = System.nanoTime();
                    Matcher m = WORKER_HEADER.matcher(head);
                    acceptedPid = m.find() ? Long.parseLong(m.group(2)) : 0;
                    onAccepted.accept(acceptedPid);
                    head = readHead(in);
                }
                String rest = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
                Matcher body = BODY.matcher(rest);
                if (head.startsWith("HTTP/1.1 200 ") && body.find()) {
                    return new Outcome(start, acceptedNanos, System.nanoTime(), acceptedPid,
                            Long.parseLong(body.group(2)), Failure.NONE, null);
                }
                String got = head.isEmpty() ? "end of stream" : "unexpected response " + (head + rest).strip();
                return failed(start, acceptedNanos, acceptedPid, got);
            } catch (SocketTimeoutException e) {
                return failed(start, acceptedNanos, acceptedPid, "no answer within " + timeoutMillis + " ms");
            } catch (ConnectException e) {
                return new Outcome(start, 0, System.nanoTime(), -1, -1, Failure.CONNECT, e.toString());
            } catch (IOException e) {
                return failed(start, acceptedNanos, acceptedPid, e.toString());
            }
        } catch (IOException e) {
            return new Outcome(start, acceptedNanos, System.nanoTime(), acceptedPid, -1,
                    acceptedPid > 0 ? Failure.AFTER_ACCEPT : Failure.BEFORE_ACCEPT, "close: " + e);
        }
    }

    private static Outcome failed(long start, long acceptedNanos, long acceptedPid, String error) {
        return new Outcome(start, acceptedNanos, System.nanoTime(), acceptedPid, -1,
                acceptedPid > 0 ? Failure.AFTER_ACCEPT : Failure.BEFORE_ACCEPT, error);
    }

    /** The response head up to its blank line, or what arrived before the end of stream. */
    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int b;
        while ((b = in.read()) != -1) {
            head.append((char) b);
            if (head.length() >= 4 && head.lastIndexOf("\r\n\r\n") == head.length() - 4) {
                break;
            }
        }
        return head.toString();
    }
}
