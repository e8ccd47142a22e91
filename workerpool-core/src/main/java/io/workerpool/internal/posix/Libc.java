package io.workerpool.internal.posix;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;

/**
 * The C library functions and Linux constants this package uses (x86_64/aarch64/riscv64 values; see
 * {@link NativeFunction.Platform}). Creating these descriptions binds nothing: see {@link NativeFunction}.
 */
final class Libc {
    // processes
    static final NativeFunction GETPID = NativeFunction.infallible("getpid", FunctionDescriptor.of(JAVA_INT));
    static final NativeFunction GETPPID = NativeFunction.infallible("getppid", FunctionDescriptor.of(JAVA_INT));
    static final NativeFunction GETUID = NativeFunction.infallible("getuid", FunctionDescriptor.of(JAVA_INT));
    static final NativeFunction SETSID = NativeFunction.withErrno("setsid", FunctionDescriptor.of(JAVA_INT));
    static final NativeFunction KILL = NativeFunction.withErrno("kill",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    /** sighandler_t signal(int, sighandler_t), with the handler as a pointer-sized integer (SIG_DFL is 0). */
    static final NativeFunction SIGNAL = NativeFunction.infallible("signal",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG));
    /** int prctl(int option, ...): always called with four unsigned long arguments, as the man page advises. */
    static final NativeFunction PRCTL = NativeFunction.variadic("prctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), 1);
    static final NativeFunction WAITPID = NativeFunction.restartingOnEintr("waitpid",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    /** int waitid(idtype_t, id_t, siginfo_t *, int). */
    static final NativeFunction WAITID = NativeFunction.restartingOnEintr("waitid",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));

    // descriptors
    /** int open(const char *path, int flags, ...): called with the mode argument, needed with O_CREAT. */
    static final NativeFunction OPEN = NativeFunction.variadic("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2);
    static final NativeFunction DUP = NativeFunction.withErrno("dup", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    static final NativeFunction DUP2 = NativeFunction.restartingOnEintr("dup2",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    /** Never restarted: on Linux the descriptor is gone even when close reports EINTR. */
    static final NativeFunction CLOSE = NativeFunction.withErrno("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    /** int fcntl(int fd, int cmd, ...): called with one int argument, ignored by the "get" commands. */
    static final NativeFunction FCNTL = NativeFunction.variadic("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), 2);
    /** int fcntl(int fd, int cmd, ...): called with a pointer argument (struct flock *), for the lock commands. */
    static final NativeFunction FCNTL_POINTER = NativeFunction.variadic("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), 2);

    // sockets
    static final NativeFunction SOCKET = NativeFunction.withErrno("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    static final NativeFunction SETSOCKOPT = NativeFunction.withErrno("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    static final NativeFunction GETSOCKOPT = NativeFunction.withErrno("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    static final NativeFunction BIND = NativeFunction.withErrno("bind",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    static final NativeFunction LISTEN = NativeFunction.withErrno("listen",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    static final NativeFunction GETSOCKNAME = NativeFunction.withErrno("getsockname",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    static final NativeFunction ACCEPT4 = NativeFunction.restartingOnEintr("accept4",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    /** Not restarted: a connect interrupted by a signal goes on in the background and a second one fails. */
    static final NativeFunction CONNECT = NativeFunction.withErrno("connect",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    static final NativeFunction SHUTDOWN = NativeFunction.withErrno("shutdown",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    static final NativeFunction SEND = NativeFunction.restartingOnEintr("send",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    static final NativeFunction RECV = NativeFunction.restartingOnEintr("recv",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    /** Datagrams to an address (the systemd notify socket) without connecting first. */
    static final NativeFunction SENDTO = NativeFunction.restartingOnEintr("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    static final NativeFunction SENDMSG = NativeFunction.restartingOnEintr("sendmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    static final NativeFunction RECVMSG = NativeFunction.restartingOnEintr("recvmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));

    // clocks
    static final NativeFunction CLOCK_GETTIME = NativeFunction.withErrno("clock_gettime",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));

    static final int PR_SET_PDEATHSIG = 1;
    static final int PR_SET_CHILD_SUBREAPER = 36;
    static final int PR_GET_CHILD_SUBREAPER = 37;

    static final int P_ALL = 0;
    static final int WNOHANG = 1;
    static final int WEXITED = 4;
    /** Leave the child waitable: only look at it. */
    static final int WNOWAIT = 0x01000000;
    /** sizeof(siginfo_t), the same on every Linux architecture. */
    static final int SIGINFO_SIZE = 128;
    /** offsetof(siginfo_t, si_pid) on 64-bit Linux: three ints, then the union aligned to 8. */
    static final int SIGINFO_PID_OFFSET = 16;

    static final int O_WRONLY = 1;
    static final int O_RDWR = 2;
    /** Fail with ELOOP when the last component is a symbolic link. arm64 has its own value; the others 0400000. */
    static final int O_NOFOLLOW = "aarch64".equals(System.getProperty("os.arch")) ? 0100000 : 0400000;
    static final int O_CREAT = 0100;
    static final int O_APPEND = 02000;
    static final int O_CLOEXEC = 02000000;

    static final int F_GETFD = 1;
    static final int F_SETFD = 2;
    /** Duplicate onto the lowest free descriptor at or above the argument, close-on-exec. */
    static final int F_DUPFD_CLOEXEC = 1030;
    static final int FD_CLOEXEC = 1;
    /**
     * Open-file-description lock (Linux 3.15+): owned by the open file description, not the process, so closing
     * another descriptor of the same file does not drop it. The same number on every Linux architecture.
     */
    static final int F_OFD_SETLK = 37;
    static final short F_WRLCK = 1;
    static final short SEEK_SET = 0;
    /** struct flock (generic layout): short l_type, short l_whence, off_t l_start, off_t l_len, pid_t l_pid. */
    static final int FLOCK_SIZE = 32;
    static final int FLOCK_TYPE_OFFSET = 0;
    static final int FLOCK_WHENCE_OFFSET = 2;
    static final int FLOCK_START_OFFSET = 8;
    static final int FLOCK_LEN_OFFSET = 16;
    static final int FLOCK_PID_OFFSET = 24;

    static final int AF_UNIX = 1;
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SOCK_STREAM = 1;
    static final int SOCK_DGRAM = 2;
    /** Or-ed into socket(2)'s type and accept4(2)'s flags: the new descriptor is close-on-exec from birth. */
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SO_REUSEADDR = 2;
    static final int SO_PEERCRED = 17;
    /** 1 when the socket is listening (listen(2) was called on it), else 0. */
    static final int SO_ACCEPTCONN = 30;
    static final int SO_RCVTIMEO = 20;
    static final int SO_SNDTIMEO = 21;
    static final int SCM_RIGHTS = 1;
    static final int SHUT_RDWR = 2;
    /** A peer that went away gives EPIPE rather than a SIGPIPE. */
    static final int MSG_NOSIGNAL = 0x4000;
    /** This one call does not block: a full receive queue gives EAGAIN instead. */
    static final int MSG_DONTWAIT = 0x40;
    /** Descriptors received with SCM_RIGHTS are close-on-exec from birth. */
    static final int MSG_CMSG_CLOEXEC = 0x40000000;
    static final int MSG_CTRUNC = 0x8;

    static final int CLOCK_MONOTONIC = 1;

    private Libc() {
    }
}
