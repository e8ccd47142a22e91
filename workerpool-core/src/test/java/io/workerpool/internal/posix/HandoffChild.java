package io.workerpool.internal.posix;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The child JVM of the POSIX tests. It dies with its parent (PR_SET_PDEATHSIG), so a test JVM that is
 * killed leaves no child behind. It reports on stdout in lines the tests wait for.
 */
public final class HandoffChild {
    private HandoffChild() {
    }

    public static void main(String[] args) throws Exception {
        Posix.setParentDeathSignal(Posix.SIGKILL);
        try {
            switch (args[0]) {
                case "serve" -> serve(Path.of(args[1]), HexFormat.of().parseHex(args[2]));
                case "receive" -> receive(Path.of(args[1]), HexFormat.of().parseHex(args[2]));
                case "adopt-twice" -> adoptTwice();
                case "adopt-not-socket" -> adoptNotSocket();
                case "close-detaches-streams" -> closeDetachesStreams();
                case "setsid" -> setsid();
                case "orphan-parent" -> orphanParent();
                case "reap-orphans" -> reapOrphans();
                case "orphan-parent-thread" -> orphanParentThread();
                case "orphan" -> orphan(Long.parseLong(args[1]));
                default -> throw new IllegalArgumentException("unknown mode " + args[0]);
            }
        } catch (Throwable e) {
            System.out.println("FAILED " + e);
            e.printStackTrace(System.out);
            System.exit(1);
        }
        System.exit(0);
    }

    /** Gets the listening socket from the test's server, adopts it, answers two connections with our pid. */
    private static void serve(Path socket, byte[] secret) throws Exception {
        int[] fds = DescriptorHandoff.receive(socket, secret);
        ServerSocketChannel server = InheritedChannels.adoptAsInheritedChannel(fds[0]);
        System.out.println("READY " + server.getLocalAddress());
        byte[] pid = (Posix.getpid() + "\n").getBytes(StandardCharsets.US_ASCII);
        try (SocketChannel first = server.accept()) {
            first.write(ByteBuffer.wrap(pid));
        }
        server.configureBlocking(false);
        try (Selector selector = Selector.open()) {
            server.register(selector, SelectionKey.OP_ACCEPT);
            SocketChannel accepted = null;
            while (accepted == null) {
                selector.select();
                accepted = server.accept();
            }
            try (SocketChannel second = accepted) {
                second.configureBlocking(true);
                second.write(ByteBuffer.wrap(pid));
            }
        }
        System.out.println("SERVED");
    }

    private static void receive(Path socket, byte[] secret) {
        try {
            int[] fds = DescriptorHandoff.receive(socket, secret);
            System.out.println("RECEIVED " + fds.length);
        } catch (PosixException e) {
            System.out.println("RECEIVE FAILED " + e.getMessage());
        }
    }

    private static void adoptTwice() throws Exception {
        ServerSocketChannel first = InheritedChannels.adoptAsInheritedChannel(
                Posix.openListeningSocket(new InetSocketAddress("127.0.0.1", 0), 8));
        System.out.println("FIRST " + first.getLocalAddress());
        int second = Posix.openListeningSocket(new InetSocketAddress("127.0.0.1", 0), 8);
        try {
            InheritedChannels.adoptAsInheritedChannel(second);
            System.out.println("SECOND adopted, which it should not");
        } catch (IllegalStateException e) {
            System.out.println("SECOND " + e.getMessage());
        }
        System.out.println("SECOND FD CLOSED " + isClosed(second));
    }

    private static void adoptNotSocket() throws Exception {
        try {
            InheritedChannels.adoptAsInheritedChannel(Posix.dup(1)); // our stdout: a pipe
            System.out.println("ADOPTED a pipe, which it should not");
        } catch (IllegalStateException e) {
            System.out.println("REFUSED " + e.getMessage());
        }
        // stdin must still be the pipe from the test, not the descriptor we tried
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        System.out.println("STDIN " + stdin.readLine());
    }

    private static void closeDetachesStreams() throws Exception {
        ServerSocketChannel channel = InheritedChannels.adoptAsInheritedChannel(
                Posix.openListeningSocket(new InetSocketAddress("127.0.0.1", 0), 8));
        System.out.println("ADOPTED");
        channel.close();
        System.out.println("AFTER CLOSE");
        System.out.flush();
        InheritedChannels.restoreStandardStreams();
        System.out.println("RESTORED");
    }

    private static void setsid() {
        try {
            System.out.println("SESSION " + Posix.setsid());
        } catch (PosixException e) {
            System.out.println("FIRST SETSID FAILED " + e.getMessage());
        }
        try {
            System.out.println("SECOND SESSION " + Posix.setsid());
        } catch (PosixException e) {
            System.out.println("SECOND " + e.getMessage());
        }
    }

    /** Starts an "orphan" child from this, the main, thread, which stays alive until this JVM is killed. */
    private static void orphanParent() throws Exception {
        startOrphan();
        new CountDownLatch(1).await();
    }

    /** Starts an "orphan" child from a thread that then ends, while this JVM lives on. */
    private static void orphanParentThread() throws Exception {
        Thread spawner = Thread.ofPlatform().name("spawner").start(() -> {
            try {
                startOrphan();
            } catch (Exception e) {
                System.out.println("FAILED " + e);
            }
        });
        spawner.join();
        System.out.println("SPAWNER ENDED");
        new CountDownLatch(1).await();
    }

    private static void startOrphan() throws Exception {
        Process orphan = new ProcessBuilder(ChildJvm.command("orphan", Long.toString(Posix.getpid())))
                .redirectErrorStream(true).start();
        BufferedReader output = new BufferedReader(new InputStreamReader(orphan.getInputStream(),
                StandardCharsets.UTF_8));
        String line;
        while ((line = output.readLine()) != null && !line.startsWith("ARMED")) {
            System.out.println("orphan: " + line);
        }
        System.out.println("ORPHAN " + orphan.pid() + " " + line);
    }

    private static void orphan(long expectedParent) throws Exception {
        // main() armed PR_SET_PDEATHSIG; had the parent died before that, no signal would come
        if (Posix.getppid() != expectedParent) {
            System.out.println("PARENT ALREADY GONE");
            return;
        }
        System.out.println("ARMED");
        new CountDownLatch(1).await();
    }

    private static boolean isClosed(int fd) {
        try {
            Posix.isCloseOnExec(fd);
            return false;
        } catch (PosixException e) {
            return e.errno() == Errno.EBADF;
        }
    }

    /**
     * As a child subreaper: adopts two orphans (one exits 6, one is killed by SIGKILL), finds each with
     * peekExitedChild (which leaves it waitable) and reaps it with reapIfExited; prints what it saw.
     */
    private static void reapOrphans() throws Exception {
        Posix.setChildSubreaper(true);
        System.out.println("PEEK-NONE " + Posix.peekExitedChild());
        for (String body : List.of("sleep 0.2; exit 6", "exec sh -c 'sleep 0.2; kill -9 $$'")) {
            Process shell = new ProcessBuilder("sh", "-c", "( " + body + " ) </dev/null >/dev/null 2>&1 & echo $!")
                    .start();
            int orphan = Integer.parseInt(new String(shell.getInputStream().readAllBytes()).trim());
            shell.waitFor();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (Posix.peekExitedChild() != orphan && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            int peekedAgain = Posix.peekExitedChild(); // WNOWAIT: still there
            System.out.println("REAPED " + (peekedAgain == orphan) + " " + Posix.reapIfExited(orphan).orElse(-1));
            try {
                Posix.reapIfExited(orphan);
                System.out.println("AGAIN reaped twice?");
            } catch (PosixException e) {
                System.out.println("AGAIN " + e.errnoName());
            }
        }
    }
}
