package io.workerpool.internal.posix;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * Sends and receives open descriptors over a connected Unix domain socket (sendmsg/recvmsg with an
 * SCM_RIGHTS control message). The receiver gets new descriptors for the same open files or sockets.
 */
final class ScmRights {
    /** Most descriptors one message carries; the receiver's control buffer has room for this many. */
    static final int MAX_DESCRIPTORS = 16;

    private static final StructLayout IOVEC = MemoryLayout.structLayout(
            ADDRESS.withName("iov_base"), JAVA_LONG.withName("iov_len"));

    private static final StructLayout MSGHDR = MemoryLayout.structLayout(
            ADDRESS.withName("msg_name"),
            JAVA_INT.withName("msg_namelen"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("msg_iov"),
            JAVA_LONG.withName("msg_iovlen"),
            ADDRESS.withName("msg_control"),
            JAVA_LONG.withName("msg_controllen"),
            JAVA_INT.withName("msg_flags"),
            MemoryLayout.paddingLayout(4));

    /** struct cmsghdr, followed by its data at the next 8-byte boundary (CMSG_DATA). */
    private static final StructLayout CMSGHDR = MemoryLayout.structLayout(
            JAVA_LONG.withName("cmsg_len"), JAVA_INT.withName("cmsg_level"), JAVA_INT.withName("cmsg_type"));

    private static final VarHandle IOV_BASE = IOVEC.varHandle(groupElement("iov_base"));
    private static final VarHandle IOV_LEN = IOVEC.varHandle(groupElement("iov_len"));
    private static final VarHandle MSG_IOV = MSGHDR.varHandle(groupElement("msg_iov"));
    private static final VarHandle MSG_IOVLEN = MSGHDR.varHandle(groupElement("msg_iovlen"));
    private static final VarHandle MSG_CONTROL = MSGHDR.varHandle(groupElement("msg_control"));
    private static final VarHandle MSG_CONTROLLEN = MSGHDR.varHandle(groupElement("msg_controllen"));
    private static final VarHandle MSG_FLAGS = MSGHDR.varHandle(groupElement("msg_flags"));
    private static final VarHandle CMSG_LEN = CMSGHDR.varHandle(groupElement("cmsg_len"));
    private static final VarHandle CMSG_LEVEL = CMSGHDR.varHandle(groupElement("cmsg_level"));
    private static final VarHandle CMSG_TYPE = CMSGHDR.varHandle(groupElement("cmsg_type"));

    private ScmRights() {
    }

    /** Sends {@code descriptors} with one byte of ordinary data: a stream socket carries no control data alone. */
    static void send(int socketFd, int[] descriptors) throws PosixException {
        if (descriptors.length < 1 || descriptors.length > MAX_DESCRIPTORS) {
            throw new IllegalArgumentException("can send 1 to " + MAX_DESCRIPTORS + " descriptors at once, got "
                    + descriptors.length);
        }
        try (Arena arena = Arena.ofConfined()) {
            int dataBytes = descriptors.length * Integer.BYTES;
            MemorySegment control = arena.allocate(space(dataBytes), 8);
            CMSG_LEN.set(control, 0L, length(dataBytes));
            CMSG_LEVEL.set(control, 0L, Libc.SOL_SOCKET);
            CMSG_TYPE.set(control, 0L, Libc.SCM_RIGHTS);
            MemorySegment.copy(descriptors, 0, control, JAVA_INT, CMSGHDR.byteSize(), descriptors.length);
            MemorySegment message = message(arena, arena.allocateFrom(JAVA_BYTE, (byte) 1), control);
            Libc.SENDMSG.call(socketFd, message, Libc.MSG_NOSIGNAL);
        }
    }

    /** Sends one byte of ordinary data and no descriptors: an answer that is neither descriptors nor a refusal. */
    static void sendNone(int socketFd) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment message = message(arena, arena.allocateFrom(JAVA_BYTE, (byte) 0), MemorySegment.NULL);
            Libc.SENDMSG.call(socketFd, message, Libc.MSG_NOSIGNAL);
        }
    }

    /**
     * What {@link #receive} got: the descriptors, and whether the peer sent its data byte at all.
     *
     * @param descriptors none when the peer closed without sending any, or sent {@link #sendNone}
     * @param answered false when the peer closed the connection without sending anything
     */
    record Received(int[] descriptors, boolean answered) {
    }

    /**
     * Receives the next message and the descriptors that came with it (close-on-exec). Blocks.
     *
     * @throws PosixException when descriptors were dropped for lack of room
     */
    static Received receive(int socketFd) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment control = arena.allocate(space(MAX_DESCRIPTORS * Integer.BYTES), 8);
            MemorySegment message = message(arena, arena.allocate(1), control);
            long received = Libc.RECVMSG.call(socketFd, message, Libc.MSG_CMSG_CLOEXEC);
            int[] descriptors = descriptorsIn(control, (long) MSG_CONTROLLEN.get(message, 0L));
            if ((((int) MSG_FLAGS.get(message, 0L)) & Libc.MSG_CTRUNC) != 0) {
                PosixException failure = new PosixException("received more than " + MAX_DESCRIPTORS
                        + " descriptors; the kernel dropped the rest (MSG_CTRUNC)", 0);
                closeAll(descriptors, failure);
                throw failure;
            }
            return new Received(descriptors, received > 0);
        }
    }

    static void closeAll(int[] descriptors, Throwable failure) {
        for (int fd : descriptors) {
            Sockets.closeAfterFailure(fd, failure);
        }
    }

    private static MemorySegment message(Arena arena, MemorySegment data, MemorySegment control) {
        MemorySegment iov = arena.allocate(IOVEC);
        IOV_BASE.set(iov, 0L, data);
        IOV_LEN.set(iov, 0L, data.byteSize());
        MemorySegment message = arena.allocate(MSGHDR); // zeroed: no msg_name, no flags
        MSG_IOV.set(message, 0L, iov);
        MSG_IOVLEN.set(message, 0L, 1L);
        MSG_CONTROL.set(message, 0L, control);
        MSG_CONTROLLEN.set(message, 0L, control.byteSize());
        return message;
    }

    /** The descriptors of every SCM_RIGHTS message in the first {@code used} bytes of a control buffer. */
    private static int[] descriptorsIn(MemorySegment control, long used) {
        int[] found = new int[0];
        long offset = 0;
        while (offset + CMSGHDR.byteSize() <= used) {
            MemorySegment header = control.asSlice(offset);
            long cmsgLength = (long) CMSG_LEN.get(header, 0L);
            if (cmsgLength < CMSGHDR.byteSize() || offset + cmsgLength > used) {
                break;
            }
            boolean rights = (int) CMSG_LEVEL.get(header, 0L) == Libc.SOL_SOCKET
                    && (int) CMSG_TYPE.get(header, 0L) == Libc.SCM_RIGHTS;
            if (rights) {
                int count = (int) ((cmsgLength - CMSGHDR.byteSize()) / Integer.BYTES);
                int[] these = header.asSlice(CMSGHDR.byteSize(), (long) count * Integer.BYTES).toArray(JAVA_INT);
                int previous = found.length;
                found = Arrays.copyOf(found, previous + count);
                System.arraycopy(these, 0, found, previous, count);
            }
            offset += align(cmsgLength);
        }
        return found;
    }

    /** CMSG_LEN: header plus data, unpadded. */
    private static long length(int dataBytes) {
        return CMSGHDR.byteSize() + dataBytes;
    }

    /** CMSG_SPACE: header plus data padded to 8 bytes. */
    private static long space(int dataBytes) {
        return CMSGHDR.byteSize() + align(dataBytes);
    }

    private static long align(long bytes) {
        return (bytes + 7) & ~7L;
    }
}
