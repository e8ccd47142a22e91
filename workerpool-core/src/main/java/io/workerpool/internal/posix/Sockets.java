package io.workerpool.internal.posix;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/** Socket calls on raw descriptors. Every descriptor made here is close-on-exec from birth (SOCK_CLOEXEC). */
final class Sockets {
    /** The process at the other end of a Unix domain socket, as the kernel saw it at connect time. */
    record PeerCredentials(int pid, int uid, int gid) {
    }

    private static final StructLayout UCRED = MemoryLayout.structLayout(
            JAVA_INT.withName("pid"), JAVA_INT.withName("uid"), JAVA_INT.withName("gid"));
    private static final VarHandle UCRED_PID = UCRED.varHandle(groupElement("pid"));
    private static final VarHandle UCRED_UID = UCRED.varHandle(groupElement("uid"));
    private static final VarHandle UCRED_GID = UCRED.varHandle(groupElement("gid"));
    private static final StructLayout TIMEVAL = MemoryLayout.structLayout(
            JAVA_LONG.withName("tv_sec"), JAVA_LONG.withName("tv_usec"));

    private Sockets() {
    }

    static int openListening(InetSocketAddress address, int backlog) throws PosixException {
        requireBacklog(backlog);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("cannot listen on " + SocketAddresses.describe(address)
                    + ": the host name is unresolved; resolve it first");
        }
        String what = "cannot listen on " + SocketAddresses.describe(address);
        int family = address.getAddress() instanceof Inet6Address ? Libc.AF_INET6 : Libc.AF_INET;
        int fd = newStreamSocket(family, what);
        try (Arena arena = Arena.ofConfined()) {
            // lets a restarted master bind while connections of its predecessor linger in TIME_WAIT
            setIntOption(fd, Libc.SO_REUSEADDR, 1, arena);
            MemorySegment sockaddr = SocketAddresses.encode(address, arena);
            try {
                Libc.BIND.call(fd, sockaddr, (int) sockaddr.byteSize());
            } catch (PosixException e) {
                throw PosixException.whileDoing(what, e, bindHint(e.errno(), address));
            }
            listen(fd, backlog, what);
            return fd;
        } catch (PosixException | RuntimeException e) {
            closeAfterFailure(fd, e);
            throw e;
        }
    }

    /**
     * A Unix domain stream socket bound to {@code path} but not yet listening: until it listens, connecting
     * fails, so the caller can restrict the file's permissions first without a race.
     */
    static int bindUnix(Path path) throws PosixException {
        String what = "cannot listen on unix socket " + path;
        int fd = newStreamSocket(Libc.AF_UNIX, what);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sockaddr = SocketAddresses.encodeUnix(path, arena);
            try {
                Libc.BIND.call(fd, sockaddr, (int) sockaddr.byteSize());
            } catch (PosixException e) {
                throw PosixException.whileDoing(what, e, unixBindHint(e.errno(), path));
            }
            return fd;
        } catch (PosixException | RuntimeException e) {
            closeAfterFailure(fd, e);
            throw e;
        }
    }

    static void listen(int fd, int backlog, String what) throws PosixException {
        requireBacklog(backlog);
        try {
            Libc.LISTEN.call(fd, backlog);
        } catch (PosixException e) {
            throw PosixException.whileDoing(what, e, null);
        }
    }

    static int connectUnix(Path path) throws PosixException {
        String what = "cannot connect to unix socket " + path;
        int fd = newStreamSocket(Libc.AF_UNIX, what);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sockaddr = SocketAddresses.encodeUnix(path, arena);
            try {
                Libc.CONNECT.call(fd, sockaddr, (int) sockaddr.byteSize());
            } catch (PosixException e) {
                String hint = switch (e.errno()) {
                    case Errno.ENOENT -> "no such socket: is the process that should listen there running?";
                    case Errno.ECONNREFUSED -> "nobody listens there; did that process exit?";
                    case Errno.EACCES -> "this user may not use that socket or its directory";
                    default -> null;
                };
                throw PosixException.whileDoing(what, e, hint);
            }
            return fd;
        } catch (PosixException | RuntimeException e) {
            closeAfterFailure(fd, e);
            throw e;
        }
    }

    /** The next connection on a listening socket; blocks. The new descriptor is close-on-exec. */
    static int accept(int listeningFd) throws PosixException {
        return (int) Libc.ACCEPT4.call(listeningFd, MemorySegment.NULL, MemorySegment.NULL, Libc.SOCK_CLOEXEC);
    }

    /** Ends both directions; wakes a thread blocked in accept or recv on {@code fd}. */
    static void shutdown(int fd) throws PosixException {
        Libc.SHUTDOWN.call(fd, Libc.SHUT_RDWR);
    }

    static InetSocketAddress localAddress(int fd) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment storage = arena.allocate(SocketAddresses.SOCKADDR_STORAGE);
            MemorySegment length = arena.allocateFrom(JAVA_INT, (int) storage.byteSize());
            Libc.GETSOCKNAME.call(fd, storage, length);
            int family = SocketAddresses.family(storage);
            if (family != Libc.AF_INET && family != Libc.AF_INET6) {
                throw new PosixException("descriptor " + fd + " is not an IPv4 or IPv6 socket (address family "
                        + family + ")", 0);
            }
            return SocketAddresses.decode(storage);
        }
    }

    static PeerCredentials peerCredentials(int fd) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ucred = arena.allocate(UCRED);
            MemorySegment length = arena.allocateFrom(JAVA_INT, (int) UCRED.byteSize());
            Libc.GETSOCKOPT.call(fd, Libc.SOL_SOCKET, Libc.SO_PEERCRED, ucred, length);
            return new PeerCredentials((int) UCRED_PID.get(ucred, 0L), (int) UCRED_UID.get(ucred, 0L),
                    (int) UCRED_GID.get(ucred, 0L));
        }
    }

    /** After {@code timeout} without progress, a blocked send or receive on {@code fd} fails with EAGAIN. */
    static void setTimeouts(int fd, Duration timeout) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment timeval = arena.allocate(TIMEVAL);
            timeval.set(JAVA_LONG, 0, timeout.toSeconds());
            timeval.set(JAVA_LONG, 8, timeout.toMillisPart() * 1000L);
            Libc.SETSOCKOPT.call(fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, timeval, (int) TIMEVAL.byteSize());
            Libc.SETSOCKOPT.call(fd, Libc.SOL_SOCKET, Libc.SO_SNDTIMEO, timeval, (int) TIMEVAL.byteSize());
        }
    }

    static void sendFully(int fd, byte[] bytes) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, buffer, JAVA_BYTE, 0, bytes.length);
            long sent = 0;
            while (sent < bytes.length) {
                sent += Libc.SEND.call(fd, buffer.asSlice(sent), bytes.length - sent, Libc.MSG_NOSIGNAL);
            }
        }
    }

    /** Reads until {@code into} is full or the peer closed; returns the number of bytes read. */
    static int receiveFully(int fd, byte[] into) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(1, into.length));
            int received = 0;
            while (received < into.length) {
                long n = Libc.RECV.call(fd, buffer.asSlice(received), (long) (into.length - received), 0);
                if (n == 0) {
                    break;
                }
                received += (int) n;
            }
            MemorySegment.copy(buffer, JAVA_BYTE, 0, into, 0, received);
            return received;
        }
    }

    /** An unbound Unix domain datagram socket, for {@link #sendDatagram}. */
    static int newUnixDatagramSocket() throws PosixException {
        try {
            return (int) Libc.SOCKET.call(Libc.AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        } catch (PosixException e) {
            throw PosixException.whileDoing("cannot create a unix datagram socket", e, null);
        }
    }

    /**
     * Sends one datagram to the Unix socket at {@code address} (a path, or "@name" for an abstract socket)
     * without blocking: when the receiver's queue is full, it fails with EAGAIN rather than wait.
     */
    static void sendDatagram(int fd, String address, byte[] message) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sockaddr = SocketAddresses.encodeUnixAddress(address, arena);
            MemorySegment buffer = arena.allocate(Math.max(1, message.length));
            MemorySegment.copy(message, 0, buffer, JAVA_BYTE, 0, message.length);
            // a datagram goes whole or not at all: no loop for partial sends
            Libc.SENDTO.call(fd, buffer, (long) message.length, Libc.MSG_DONTWAIT | Libc.MSG_NOSIGNAL, sockaddr,
                    (int) sockaddr.byteSize());
        }
    }

    /**
     * Whether {@code fd} is a socket on which listen(2) was called (SO_ACCEPTCONN).
     *
     * @throws PosixException ENOTSOCK when it is not a socket, EBADF when it is not open
     */
    static boolean isListening(int fd) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocateFrom(JAVA_INT, 0);
            MemorySegment length = arena.allocateFrom(JAVA_INT, 4);
            Libc.GETSOCKOPT.call(fd, Libc.SOL_SOCKET, Libc.SO_ACCEPTCONN, value, length);
            return value.get(JAVA_INT, 0) != 0;
        }
    }

    /** Closes a descriptor on a failure path, keeping a failure to close as a suppressed exception. */
    static void closeAfterFailure(int fd, Throwable failure) {
        try {
            Libc.CLOSE.call(fd);
        } catch (PosixException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private static int newStreamSocket(int family, String what) throws PosixException {
        try {
            return (int) Libc.SOCKET.call(family, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        } catch (PosixException e) {
            String hint = e.errno() == Errno.EAFNOSUPPORT ? "is IPv6 disabled on this machine?" : null;
            throw PosixException.whileDoing(what, e, hint);
        }
    }

    private static void setIntOption(int fd, int option, int value, Arena arena) throws PosixException {
        Libc.SETSOCKOPT.call(fd, Libc.SOL_SOCKET, option, arena.allocateFrom(JAVA_INT, value), 4);
    }

    private static void requireBacklog(int backlog) {
        if (backlog < 1) {
            throw new IllegalArgumentException("listen backlog must be at least 1, got " + backlog);
        }
    }

    private static String bindHint(int errno, InetSocketAddress address) {
        return switch (errno) {
            case Errno.EADDRINUSE -> "is another server on that port?";
            case Errno.EACCES -> address.getPort() < 1024
                    ? "ports below 1024 need root or the CAP_NET_BIND_SERVICE capability"
                    : "is a security policy denying this port?";
            case Errno.EADDRNOTAVAIL -> "is that address assigned to an interface of this machine?";
            default -> null;
        };
    }

    private static String unixBindHint(int errno, Path path) {
        return switch (errno) {
            case Errno.EADDRINUSE -> "the file exists: is another process listening there, or is it left over from "
                    + "one that crashed? Then remove it";
            case Errno.ENOENT -> "does the directory " + path.toAbsolutePath().getParent() + " exist?";
            case Errno.EACCES -> "may this user create files in " + path.toAbsolutePath().getParent() + "?";
            default -> null;
        };
    }
}
