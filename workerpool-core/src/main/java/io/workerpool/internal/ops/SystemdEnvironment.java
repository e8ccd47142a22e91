package io.workerpool.internal.ops;

import java.util.List;

/**
 * The environment variables systemd sets for a service's main process (sd_notify(3), sd_listen_fds(3)). They
 * are meant for the master alone: a worker JVM that saw them would notify systemd or take the activated
 * socket as its own, so {@link WorkerSpawner} removes them from every worker's environment.
 */
public final class SystemdEnvironment {
    /** The notify socket: a path, or {@code @name} for an abstract socket. Set for Type=notify services. */
    static final String NOTIFY_SOCKET = "NOTIFY_SOCKET";
    /** The watchdog interval in microseconds (WatchdogSec=). */
    static final String WATCHDOG_USEC = "WATCHDOG_USEC";
    /** The process the watchdog is meant for; when unset, whoever reads WATCHDOG_USEC. */
    static final String WATCHDOG_PID = "WATCHDOG_PID";
    /** How many sockets systemd passed, from descriptor 3 on. */
    static final String LISTEN_FDS = "LISTEN_FDS";
    /** The process the passed sockets are meant for. */
    static final String LISTEN_PID = "LISTEN_PID";
    /** Colon-separated names of the passed sockets (FileDescriptorName=). */
    static final String LISTEN_FDNAMES = "LISTEN_FDNAMES";

    public static final List<String> ALL = List.of(NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID, LISTEN_FDS, LISTEN_PID,
            LISTEN_FDNAMES);

    private SystemdEnvironment() {
    }
}
