package io.workerpool.internal.ops;

import io.workerpool.PoolStartException;
import io.workerpool.internal.posix.Posix;
import io.workerpool.internal.posix.PosixException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * systemd socket activation (sd_listen_fds(3)): systemd binds the socket of a {@code .socket} unit, starts the
 * service with it as descriptor 3, and says so with {@code LISTEN_FDS} and {@code LISTEN_PID}. The master
 * then shares that socket with its workers instead of binding one; connections that arrive while the service
 * (re)starts wait in its queue instead of being refused.
 */
public final class SocketActivation {
    /** SD_LISTEN_FDS_START: the first passed descriptor. */
    static final int FIRST_FD = 3;

    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");

    private SocketActivation() {
    }

    /**
     * How many sockets systemd passed to the process {@code pid}: 0 when none, or when {@code LISTEN_PID}
     * names another process (the variables were inherited from an ancestor that was activated).
     */
    public static int passedSockets(Map<String, String> env, long pid) {
        String fds = env.get(SystemdEnvironment.LISTEN_FDS);
        String listenPid = env.get(SystemdEnvironment.LISTEN_PID);
        if (fds == null || fds.isEmpty()) {
            return 0;
        }
        if (listenPid == null || !listenPid.equals(Long.toString(pid))) {
            LOG.debug("LISTEN_FDS={} is not for this process: LISTEN_PID={}, this is pid {}", fds, listenPid, pid);
            return 0;
        }
        try {
            int count = Integer.parseInt(fds);
            if (count >= 0) {
                return count;
            }
        } catch (NumberFormatException e) {
            // falls through to the warning
        }
        LOG.warn("LISTEN_FDS={} is not a number of descriptors: ignoring the sockets systemd may have passed", fds);
        return 0;
    }

    /**
     * Takes descriptor 3, the first socket systemd passed, as the pool's listening socket: checks that it is a
     * listening TCP socket and makes it close-on-exec. The caller owns it. Further passed sockets are left
     * open but close-on-exec, and a warning says they are not used.
     *
     * @throws PoolStartException saying what descriptor 3 is instead and what to change in the unit
     */
    public static int listeningSocket(int passed, Map<String, String> env) {
        int fd = FIRST_FD;
        String what = "systemd passed " + passed + " socket(s) (LISTEN_FDS=" + passed + "), but descriptor " + fd;
        try {
            if (!Posix.isListeningSocket(fd)) {
                throw new PoolStartException(what + " is not a listening socket (a connection from Accept=yes?);"
                        + " use Accept=no and ListenStream= in the .socket unit");
            }
            Posix.localAddress(fd); // throws unless it is an IPv4 or IPv6 socket
            Posix.setCloseOnExec(fd);
        } catch (PosixException e) {
            String is = switch (e.errnoName()) {
                case "ENOTSOCK" -> " is not a socket";
                case "EBADF" -> " is not open";
                default -> " is not an IPv4 or IPv6 socket (" + e.getMessage() + "); the pool shares TCP sockets"
                        + " only: use ListenStream=PORT or ListenStream=ADDRESS:PORT in the .socket unit";
            };
            throw new PoolStartException(what + is, e);
        } catch (UnsupportedOperationException e) {
            throw new PoolStartException("cannot use the socket systemd passed: " + e.getMessage(), e);
        }
        if (passed > 1) {
            for (int extra = fd + 1; extra < fd + passed; extra++) {
                try {
                    Posix.setCloseOnExec(extra);
                } catch (PosixException e) {
                    LOG.debug("descriptor {} from systemd: {}", extra, e.getMessage());
                }
            }
            LOG.warn("systemd passed {} sockets (LISTEN_FDNAMES={}); the pool shares only the first (descriptor {})"
                    + " with its workers and leaves the others unused: give the .socket unit one ListenStream=",
                    passed, env.getOrDefault(SystemdEnvironment.LISTEN_FDNAMES, "unset"), fd);
        }
        return fd;
    }
}
