package io.workerpool.internal.posix;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * The POSIX calls the JDK does not offer, made through the FFM API (no JNI). Linux only; each call binds its C
 * function on first use, so a JVM that never calls one pays nothing for it. A call on another platform throws
 * {@link UnsupportedOperationException}; {@link #isSupported()} tells beforehand.
 *
 * <p>Signals and the JVM (checked on Temurin 25.0.3, Linux x86_64, with
 * {@code sun.misc.Signal.handle(new Signal(NAME), handler)}):
 * <ul>
 * <li>TERM, INT, HUP, USR1, USR2, TTIN, TTOU, CHLD (also PIPE, WINCH, CONT, ALRM) can be handled; QUIT throws
 *     IllegalArgumentException "Signal already used by VM or OS: SIGQUIT" (the JVM's thread dump).
 * <li>A TERM (INT, HUP) handler replaces the JVM's own: the JVM no longer exits and runs no shutdown hooks on
 *     that signal. The handler {@code Signal.handle} returned ({@code java.lang.Terminator}'s) does exactly
 *     that when called: exit status 128+signal after the hooks. Re-installing {@code SIG_DFL} instead
 *     lets the kernel kill the JVM without running the hooks.
 * <li>Handlers run on a new daemon thread per signal, named "SIGTERM handler" and so on.
 * <li>Under {@code -Xrs}, TERM, INT and HUP throw "already used" too. When HUP was ignored at JVM start
 *     (nohup), {@code Signal.handle} returns {@code SIG_IGN}, installs nothing and the handler never runs.
 * <li>A CHLD handler does not disturb {@link Process#waitFor()}.
 * </ul>
 */
public final class Posix {
    public static final int SIGHUP = 1;
    public static final int SIGINT = 2;
    public static final int SIGQUIT = 3;
    public static final int SIGKILL = 9;
    public static final int SIGUSR1 = 10;
    public static final int SIGUSR2 = 12;
    public static final int SIGTERM = 15;
    public static final int SIGCONT = 18;
    public static final int SIGSTOP = 19;
    public static final int SIGTTIN = 21;
    public static final int SIGTTOU = 22;

    /** Linux real-time signals end at 64. */
    private static final int MAX_SIGNAL = 64;

    private Posix() {
    }

    /** True when this JVM runs where the calls of this package work: Linux on x86_64, aarch64 or riscv64. */
    public static boolean isSupported() {
        return NativeFunction.Platform.unsupportedReason() == null;
    }

    /** This process's id; the same as {@code ProcessHandle.current().pid()}. */
    public static int getpid() {
        return (int) callInfallible(Libc.GETPID);
    }

    /**
     * The parent process's id, read fresh each time: once the parent died it is the id of the reaper that
     * adopted us (1, or a process that called {@link #setChildSubreaper}).
     */
    public static int getppid() {
        return (int) callInfallible(Libc.GETPPID);
    }

    /**
     * Starts a new session and process group led by this process, detached from its controlling terminal, so
     * that Ctrl-C and a closing terminal no longer signal it.
     *
     * @return the new session id (this process's id)
     * @throws PosixException EPERM when this process already leads a process group
     */
    public static int setsid() throws PosixException {
        return (int) Libc.SETSID.call();
    }

    /**
     * Asks the kernel to send {@code signal} to this process when its parent dies (prctl PR_SET_PDEATHSIG);
     * 0 cancels. Two traps: "parent" is the <em>thread</em> that started this process, so a master must
     * start workers from a thread that lives as long as the master; and if the parent died before this call,
     * no signal comes, so compare {@link #getppid()} with the expected parent right after it.
     *
     * @throws IllegalArgumentException when {@code signal} is not 0..64
     */
    public static void setParentDeathSignal(int signal) throws PosixException {
        requireSignal(signal);
        Libc.PRCTL.call(Libc.PR_SET_PDEATHSIG, (long) signal, 0L, 0L, 0L);
    }

    /**
     * Makes this process (prctl PR_SET_CHILD_SUBREAPER) the one that adopts its orphaned descendants, instead
     * of init: a worker's children whose worker died become this process's children. It must then reap them.
     */
    public static void setChildSubreaper(boolean on) throws PosixException {
        Libc.PRCTL.call(Libc.PR_SET_CHILD_SUBREAPER, on ? 1L : 0L, 0L, 0L, 0L);
    }

    /**
     * The pid of one child of this process that has exited and not been waited for yet (a zombie), or 0
     * when there is none (also when there are no children at all). The child is left as it is, still
     * waitable by whoever waits for it (waitid(P_ALL, WEXITED | WNOHANG | WNOWAIT)). One system call: a
     * cheap way to learn that a closer look is worth it.
     */
    public static int peekExitedChild() throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment siginfo = arena.allocate(Libc.SIGINFO_SIZE, 8); // zeroed: si_pid stays 0 if none
            Libc.WAITID.call(Libc.P_ALL, 0, siginfo, Libc.WEXITED | Libc.WNOHANG | Libc.WNOWAIT);
            return siginfo.get(JAVA_INT, Libc.SIGINFO_PID_OFFSET);
        } catch (PosixException e) {
            if (e.errno() == Errno.ECHILD) {
                return 0;
            }
            throw e;
        }
    }

    /**
     * Reaps the child {@code pid} if it has exited (waitpid(pid, &status, WNOHANG)) and returns how it ended
     * as the JDK reports it: the exit status, or 128 + the signal that killed it. Empty when it has not
     * exited yet. Never call it for a child a {@link Process} stands for: the JDK's own waitpid would then
     * fail with ECHILD and its {@code Process} would report exit status 0.
     *
     * @throws PosixException ECHILD when {@code pid} is not a child of this process, or was reaped already
     */
    public static OptionalInt reapIfExited(int pid) throws PosixException {
        if (pid <= 0) {
            throw new IllegalArgumentException("reapIfExited needs one process id > 0, got " + pid);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment status = arena.allocate(JAVA_INT);
            if (Libc.WAITPID.call(pid, status, Libc.WNOHANG) == 0) {
                return OptionalInt.empty();
            }
            int raw = status.get(JAVA_INT, 0);
            int signal = raw & 0x7f;
            return OptionalInt.of(signal == 0 ? (raw >> 8) & 0xff : 128 + signal);
        }
    }

    /**
     * Sends {@code signal} to the process {@code pid}, or to the process group {@code -pid} when
     * {@code pid < -1}. A signal of 0 sends nothing but checks that the process exists.
     *
     * @throws PosixException ESRCH when no such process exists (after it was reaped; a zombie still takes
     *     signals without error), EPERM when this user may not signal it
     * @throws IllegalArgumentException for pid 0 and -1 (our own group, every process): surely a bug here
     */
    public static void kill(long pid, int signal) throws PosixException {
        if (pid == 0 || pid == -1 || pid != (int) pid) {
            throw new IllegalArgumentException("kill needs a process id > 0 (or < -1 for a process group), got "
                    + pid);
        }
        requireSignal(signal);
        Libc.KILL.call((int) pid, signal);
    }

    /**
     * Makes {@code newFd} refer to what {@code oldFd} refers to, closing what {@code newFd} referred to. The
     * new descriptor is not close-on-exec.
     */
    public static void dup2(int oldFd, int newFd) throws PosixException {
        Libc.DUP2.call(oldFd, newFd);
    }

    /**
     * Gives {@code signal} its default action back if it is ignored, and tells whether it was. A JVM started
     * with SIGHUP, SIGINT or SIGTERM ignored (nohup, a background job of a shell) refuses Java handlers for
     * them; a supervisor still wants HUP to mean reload, as gunicorn does under nohup.
     */
    public static boolean unignore(int signal) throws PosixException {
        requireSignal(signal);
        long previous = Libc.SIGNAL.call(signal, 0L);
        if (previous != 1L) { // it was not SIG_IGN: put back what was there
            Libc.SIGNAL.call(signal, previous);
            return false;
        }
        return true;
    }

    /**
     * Opens {@code file} for appending (created with mode 0644 if missing), close-on-exec, and returns the
     * descriptor, which the caller owns. Used to point stdout/stderr at a fresh file after log rotation.
     */
    public static int openForAppend(java.nio.file.Path file) throws PosixException {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            return (int) Libc.OPEN.call(arena.allocateFrom(file.toString()),
                    Libc.O_WRONLY | Libc.O_CREAT | Libc.O_APPEND | Libc.O_CLOEXEC, 0644);
        }
    }

    /**
     * Opens {@code file} for reading and writing, created with {@code mode} if missing, close-on-exec, refusing a
     * symbolic link as its last component (ELOOP), and returns the descriptor, which the caller owns.
     */
    public static int openNoFollow(Path file, int mode) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            return (int) Libc.OPEN.call(arena.allocateFrom(file.toString()),
                    Libc.O_RDWR | Libc.O_CREAT | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, mode);
        }
    }

    /**
     * Takes a write lock on the whole file open as {@code fd}, without waiting, as an open-file-description lock
     * ({@code F_OFD_SETLK}): it belongs to that open file description, so, unlike a POSIX record lock (the JDK's
     * {@code FileChannel.lock}), closing another descriptor of the same file in this process does not drop it,
     * and a second open of the file in this very process is refused like another process would be. It goes
     * when the last descriptor of that open file description is closed.
     *
     * @return true when taken, false when another open file description holds a conflicting lock
     */
    public static boolean tryLockOpenFileDescription(int fd) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment flock = arena.allocate(Libc.FLOCK_SIZE, 8);
            flock.set(java.lang.foreign.ValueLayout.JAVA_SHORT, Libc.FLOCK_TYPE_OFFSET, Libc.F_WRLCK);
            flock.set(java.lang.foreign.ValueLayout.JAVA_SHORT, Libc.FLOCK_WHENCE_OFFSET, Libc.SEEK_SET);
            flock.set(JAVA_LONG, Libc.FLOCK_START_OFFSET, 0L);
            flock.set(JAVA_LONG, Libc.FLOCK_LEN_OFFSET, 0L); // to the end of the file, however long it grows
            flock.set(JAVA_INT, Libc.FLOCK_PID_OFFSET, 0); // must be 0 for the OFD commands
            Libc.FCNTL_POINTER.call(fd, Libc.F_OFD_SETLK, flock);
            return true;
        } catch (PosixException e) {
            if (e.errno() == Errno.EAGAIN || e.errno() == Errno.EACCES) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Closes a descriptor. Not retried after EINTR: on Linux the descriptor is closed all the same.
     *
     * @throws PosixException EBADF when {@code fd} is not open
     */
    public static void close(int fd) throws PosixException {
        Libc.CLOSE.call(fd);
    }

    /**
     * Creates a TCP socket listening on {@code address} (IPv4 or IPv6), with SO_REUSEADDR on and
     * close-on-exec set, and returns its descriptor, which the caller owns and must {@link #close}. Port 0
     * picks a free port: see {@link #localAddress}.
     *
     * @throws PosixException naming the address, the cause and what to check, e.g. "cannot listen on
     *     127.0.0.1:8080: Address already in use (EADDRINUSE); is another server on that port?"
     * @throws IllegalArgumentException for an unresolved address or a backlog below 1
     */
    public static int openListeningSocket(InetSocketAddress address, int backlog) throws PosixException {
        return Sockets.openListening(address, backlog);
    }

    /**
     * Creates a Unix domain stream socket listening at {@code path}, close-on-exec, with the file permissions
     * the umask gives, and returns its descriptor. Nothing removes the file when the socket is closed.
     *
     * @throws PosixException EADDRINUSE when the file exists (perhaps left by a crashed process)
     * @throws IllegalArgumentException when the path is longer than the kernel's limit of 107 bytes
     */
    public static int openListeningUnixSocket(Path path, int backlog) throws PosixException {
        int fd = Sockets.bindUnix(path);
        try {
            Sockets.listen(fd, backlog, "cannot listen on unix socket " + path);
            return fd;
        } catch (PosixException | RuntimeException e) {
            Sockets.closeAfterFailure(fd, e);
            throw e;
        }
    }

    /**
     * The address a socket is bound to (getsockname), with the real port when it was bound to port 0.
     *
     * @throws PosixException when {@code fd} is not an IPv4 or IPv6 socket
     */
    public static InetSocketAddress localAddress(int fd) throws PosixException {
        return Sockets.localAddress(fd);
    }

    /**
     * Whether {@code fd} is a listening socket (SO_ACCEPTCONN): a socket on which listen(2) was called, as
     * the ones systemd passes for socket activation.
     *
     * @throws PosixException ENOTSOCK when {@code fd} is not a socket, EBADF when it is not open
     */
    public static boolean isListeningSocket(int fd) throws PosixException {
        return Sockets.isListening(fd);
    }

    /**
     * Sets close-on-exec on a descriptor this process inherited (such as a socket from systemd), so that
     * programs it starts do not inherit it in turn.
     */
    public static void setCloseOnExec(int fd) throws PosixException {
        long flags = Libc.FCNTL.call(fd, Libc.F_GETFD, 0);
        if ((flags & Libc.FD_CLOEXEC) == 0) {
            Libc.FCNTL.call(fd, Libc.F_SETFD, (int) flags | Libc.FD_CLOEXEC);
        }
    }

    /**
     * Creates an unbound Unix domain datagram socket, close-on-exec, to send with {@link #sendDatagram};
     * the caller owns the descriptor and must {@link #close} it.
     */
    public static int openUnixDatagramSocket() throws PosixException {
        return Sockets.newUnixDatagramSocket();
    }

    /**
     * Sends {@code message} as one datagram from {@code fd} (see {@link #openUnixDatagramSocket}) to the Unix
     * socket {@code address}: a filesystem path, or {@code @name} for a socket in the abstract namespace, as
     * systemd writes {@code $NOTIFY_SOCKET}. Never blocks.
     *
     * @throws PosixException EAGAIN when the receiver's queue is full, ENOENT or ECONNREFUSED when nobody
     *     listens at that address, EACCES when this user may not write to it
     * @throws IllegalArgumentException when the address is empty or longer than the kernel's 107 bytes
     */
    public static void sendDatagram(int fd, String address, byte[] message) throws PosixException {
        Sockets.sendDatagram(fd, address, message);
    }

    /**
     * CLOCK_MONOTONIC in microseconds: the clock systemd reads for {@code MONOTONIC_USEC=}. The JDK's
     * {@link System#nanoTime()} has an arbitrary origin by contract; this one is the kernel's.
     */
    public static long monotonicMicros() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment timespec = arena.allocate(16, 8); // struct timespec {time_t tv_sec; long tv_nsec;}
            Libc.CLOCK_GETTIME.call(Libc.CLOCK_MONOTONIC, timespec);
            return timespec.get(JAVA_LONG, 0) * 1_000_000L + timespec.get(JAVA_LONG, 8) / 1_000L;
        } catch (PosixException e) {
            throw new IllegalStateException("clock_gettime(CLOCK_MONOTONIC) cannot fail, yet it did", e);
        }
    }

    /** This process's real user id. */
    static int getuid() {
        return (int) callInfallible(Libc.GETUID);
    }

    /**
     * A new descriptor for what {@code fd} refers to, close-on-exec: to hand a descriptor to another thread
     * that will use and close it, made while the original is known to be open.
     */
    public static int duplicate(int fd) throws PosixException {
        int copy = dup(fd);
        try {
            setCloseOnExec(copy);
        } catch (PosixException e) {
            close(copy);
            throw e;
        }
        return copy;
    }

    /** A new descriptor, the lowest free one, for what {@code fd} refers to; not close-on-exec. */
    static int dup(int fd) throws PosixException {
        return (int) Libc.DUP.call(fd);
    }

    static boolean isCloseOnExec(int fd) throws PosixException {
        return (Libc.FCNTL.call(fd, Libc.F_GETFD, 0) & Libc.FD_CLOEXEC) != 0;
    }

    static boolean isChildSubreaper() throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment flag = arena.allocate(JAVA_INT);
            Libc.PRCTL.call(Libc.PR_GET_CHILD_SUBREAPER, flag.address(), 0L, 0L, 0L);
            return flag.get(JAVA_INT, 0) != 0;
        }
    }

    private static long callInfallible(NativeFunction function) {
        try {
            return function.call();
        } catch (PosixException e) {
            throw new IllegalStateException(function.name() + " cannot fail, yet it did", e);
        }
    }

    private static void requireSignal(int signal) {
        if (signal < 0 || signal > MAX_SIGNAL) {
            throw new IllegalArgumentException("signal must be 0.." + MAX_SIGNAL + ", got " + signal);
        }
    }
}
