package io.workerpool.internal.ops;

import io.workerpool.PoolStartException;
import io.workerpool.internal.posix.Posix;
import io.workerpool.internal.posix.PosixException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.workerpool.internal.core.PoolObserver;

/**
 * Tells systemd how the pool is doing, over the notify protocol of sd_notify(3), for {@code Type=notify}
 * (and {@code Type=notify-reload}) services: one datagram of {@code KEY=value} lines per change, sent to
 * {@code $NOTIFY_SOCKET}.
 *
 * <ul>
 * <li>{@code READY=1} and {@code MAINPID=} once every initial worker has started;
 * <li>{@code RELOADING=1} with {@code MONOTONIC_USEC=} when a rolling reload starts, and {@code READY=1}
 *     when it ends, whatever its result ({@code STATUS=} says which);
 * <li>{@code STOPPING=1} when the pool starts to stop;
 * <li>{@code STATUS=} lines for {@code systemctl status};
 * <li>{@code WATCHDOG=1} every half of {@code $WATCHDOG_USEC}, from the pool's loop ({@link #tick()}), so
 *     that a stuck loop stops the pings and systemd's watchdog restarts the service.
 * </ul>
 *
 * Runs on the pool's loop thread, like every {@link PoolObserver}: a send never blocks (a full queue at
 * systemd's end drops the message) and never throws into the pool; the first failure is logged as a
 * warning, later ones at debug level.
 */
public final class SystemdNotifier implements PoolObserver, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");

    private final String address;
    private final long pid;
    /** 0 when systemd's watchdog is off, or is meant for another process. */
    private final long watchdogNanos;
    private final long checkIntervalNanos;
    private final LongSupplier nanoClock;
    private final int fd;
    private long lastPingNanos;
    private boolean ready;
    private boolean reloadAnnounced;
    private boolean stopping;
    private boolean sendFailed;
    private boolean closed;

    private SystemdNotifier(String address, long pid, long watchdogNanos, Duration checkInterval,
            LongSupplier nanoClock, int fd) {
        this.address = address;
        this.pid = pid;
        this.watchdogNanos = watchdogNanos;
        this.checkIntervalNanos = checkInterval.toNanos();
        this.nanoClock = nanoClock;
        this.fd = fd;
        // as if the last ping were a whole interval ago: the first check pings at once
        this.lastPingNanos = nanoClock.getAsLong() - watchdogNanos;
    }

    /**
     * The notifier for this process when systemd gave it a notify socket ({@code $NOTIFY_SOCKET}), else null.
     *
     * @throws PoolStartException when no socket can be created to send with: systemd would wait for a
     *     READY=1 that can't come, and time the start out
     */
    public static SystemdNotifier fromEnvironment(Map<String, String> env, Duration checkInterval) {
        return fromEnvironment(env, ProcessHandle.current().pid(), checkInterval, System::nanoTime);
    }

    public static SystemdNotifier fromEnvironment(Map<String, String> env, long pid, Duration checkInterval,
            LongSupplier nanoClock) {
        String address = env.get(SystemdEnvironment.NOTIFY_SOCKET);
        if (address == null || address.isEmpty()) {
            return null;
        }
        if (!address.startsWith("/") && !address.startsWith("@")) {
            // systemd >= 253 may also hand out "vsock:CID:PORT", for virtual machines
            LOG.warn("NOTIFY_SOCKET={} is not supported (only a path or an @abstract name is): this pool will not"
                    + " tell systemd that it is ready; use Type=simple or Type=exec in the unit instead", address);
            return null;
        }
        long watchdogNanos = watchdogNanos(env, pid);
        int fd;
        try {
            fd = Posix.openUnixDatagramSocket();
        } catch (PosixException | UnsupportedOperationException e) {
            throw new PoolStartException("cannot notify systemd at NOTIFY_SOCKET=" + address + ": " + e.getMessage(),
                    e);
        }
        SystemdNotifier notifier = new SystemdNotifier(address, pid, watchdogNanos, checkInterval, nanoClock, fd);
        notifier.announce();
        return notifier;
    }

    /** WATCHDOG_USEC as nanoseconds, or 0 when unset, malformed, or meant for another process. */
    private static long watchdogNanos(Map<String, String> env, long pid) {
        String usec = env.get(SystemdEnvironment.WATCHDOG_USEC);
        if (usec == null || usec.isEmpty()) {
            return 0;
        }
        String watchdogPid = env.get(SystemdEnvironment.WATCHDOG_PID);
        if (watchdogPid != null && !watchdogPid.isEmpty() && !watchdogPid.equals(Long.toString(pid))) {
            LOG.debug("WATCHDOG_PID={} is not this process ({}): the systemd watchdog is not ours to ping",
                    watchdogPid, pid);
            return 0;
        }
        try {
            long micros = Long.parseLong(usec);
            if (micros > 0) {
                return Math.multiplyExact(micros, 1000L);
            }
        } catch (NumberFormatException | ArithmeticException e) {
            // falls through to the warning
        }
        LOG.warn("WATCHDOG_USEC={} is not a positive number of microseconds: the systemd watchdog will not be"
                + " pinged", usec);
        return 0;
    }

    private void announce() {
        if (watchdogNanos == 0) {
            LOG.info("systemd: notifying {} (READY, RELOADING, STOPPING, STATUS)", address);
            return;
        }
        long halfMillis = watchdogNanos / 2 / 1_000_000;
        LOG.info("systemd: notifying {}; watchdog ping every {} ms (WatchdogSec={} ms)", address, halfMillis,
                watchdogNanos / 1_000_000);
        if (checkIntervalNanos > watchdogNanos / 2) {
            LOG.warn("systemd: the watchdog wants a ping every {} ms, but the pool pings at its checks, every {} ms"
                    + " (checkInterval): systemd may kill a healthy pool. Set checkInterval to {} ms or less, or"
                    + " raise WatchdogSec= in the unit", halfMillis, checkIntervalNanos / 1_000_000, halfMillis);
        }
    }

    @Override
    public void poolReady(int workers) {
        ready = true;
        send("READY=1\nMAINPID=" + pid);
    }

    @Override
    public void reloadStarted(String cause) {
        if (!ready || stopping) {
            // RELOADING=1 then READY=1 would tell systemd it is ready before every worker has started
            send(statusLine("reloading (" + cause + ")"));
            return;
        }
        reloadAnnounced = true;
        // systemd >= 253 (Type=notify-reload) wants the time, to tell this reload from an older one
        send("RELOADING=1\nMONOTONIC_USEC=" + Posix.monotonicMicros() + "\n"
                + statusLine("reloading (" + cause + "): replacing the workers one at a time"));
    }

    @Override
    public void reloadFinished(String result) {
        if (stopping) {
            return; // a reload aborted by the stop: STOPPING=1 has been said, READY=1 would contradict it
        }
        if (reloadAnnounced) {
            reloadAnnounced = false;
            send("READY=1\n" + statusLine("reload " + result));
        } else {
            send(statusLine("reload " + result));
        }
    }

    @Override
    public void poolStopping(String cause) {
        stopping = true;
        send("STOPPING=1\n" + statusLine("stopping (" + cause + ")"));
    }

    @Override
    public void status(String line) {
        send(statusLine(line));
    }

    /** Pings the watchdog when the next check would come later than half its interval after the last ping. */
    @Override
    public void tick() {
        if (watchdogNanos == 0) {
            return;
        }
        long now = nanoClock.getAsLong();
        if (now - lastPingNanos + checkIntervalNanos > watchdogNanos / 2) {
            lastPingNanos = now;
            send("WATCHDOG=1");
        }
    }

    /** The watchdog interval systemd asked for, or zero when there is none for this process. */
    Duration watchdogInterval() {
        return Duration.ofNanos(watchdogNanos);
    }

    private static String statusLine(String text) {
        // one line: a newline would start another KEY=value assignment
        return "STATUS=" + text.replace('\n', ' ');
    }

    // ---- issue 15 (upgrade) hook ----
    /**
     * The new master took over: systemd follows it as the unit's main process, and this one says nothing more
     * (its STOPPING=1 would stop the unit).
     */
    public void mainPid(long newPid) {
        send("MAINPID=" + newPid);
        handedOver = true;
    }

    private volatile boolean handedOver;

    private void send(String message) {
        if (closed || handedOver) {
            return;
        }
        try {
            Posix.sendDatagram(fd, address, message.getBytes(StandardCharsets.UTF_8));
            if (!message.equals("WATCHDOG=1")) {
                LOG.debug("systemd: sent {}", message.replace('\n', ' '));
            }
        } catch (PosixException | RuntimeException e) {
            String first = message.lines().findFirst().orElse("");
            if (!sendFailed) {
                sendFailed = true;
                LOG.warn("systemd: cannot notify {} ({}: {}); the pool goes on, but systemd may not learn that it"
                        + " is ready, reloading, stopping or alive. Is NOTIFY_SOCKET right? Further failures are"
                        + " logged at debug level", address, first, e.getMessage());
            } else {
                LOG.debug("systemd: cannot notify {} ({}: {})", address, first, e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Posix.close(fd);
        } catch (PosixException e) {
            LOG.debug("closing the systemd notify socket failed: {}", e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "SystemdNotifier[" + address + (watchdogNanos == 0 ? "" : ", watchdog " + watchdogNanos / 1_000_000
                + " ms") + (stopping ? ", stopping" : ready ? ", ready" : "") + "]";
    }
}
