package io.workerpool.internal.posix;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Java socket addresses to and from the C structs sockaddr_in, sockaddr_in6 and sockaddr_un. */
final class SocketAddresses {
    /** Ports, IPv4 addresses and flow labels are in network byte order; the family is in host order. */
    private static final ByteOrder NETWORK = ByteOrder.BIG_ENDIAN;

    static final StructLayout SOCKADDR_IN = MemoryLayout.structLayout(
            JAVA_SHORT.withName("sin_family"),
            JAVA_SHORT.withOrder(NETWORK).withName("sin_port"),
            MemoryLayout.sequenceLayout(4, JAVA_BYTE).withName("sin_addr"),
            MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("sin_zero"));

    static final StructLayout SOCKADDR_IN6 = MemoryLayout.structLayout(
            JAVA_SHORT.withName("sin6_family"),
            JAVA_SHORT.withOrder(NETWORK).withName("sin6_port"),
            JAVA_INT.withOrder(NETWORK).withName("sin6_flowinfo"),
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("sin6_addr"),
            JAVA_INT.withName("sin6_scope_id"));

    /** sun_path holds at most 107 bytes of path and the terminating NUL. */
    static final StructLayout SOCKADDR_UN = MemoryLayout.structLayout(
            JAVA_SHORT.withName("sun_family"),
            MemoryLayout.sequenceLayout(108, JAVA_BYTE).withName("sun_path"));

    /** Big enough and aligned enough for any address family (struct sockaddr_storage). */
    static final MemoryLayout SOCKADDR_STORAGE = MemoryLayout.sequenceLayout(16, JAVA_LONG);

    private static final VarHandle FAMILY = JAVA_SHORT.varHandle();
    private static final VarHandle IN_PORT = SOCKADDR_IN.varHandle(groupElement("sin_port"));
    private static final long IN_ADDR = SOCKADDR_IN.byteOffset(groupElement("sin_addr"));
    private static final VarHandle IN6_PORT = SOCKADDR_IN6.varHandle(groupElement("sin6_port"));
    private static final long IN6_ADDR = SOCKADDR_IN6.byteOffset(groupElement("sin6_addr"));
    private static final VarHandle IN6_SCOPE_ID = SOCKADDR_IN6.varHandle(groupElement("sin6_scope_id"));
    private static final long UN_PATH = SOCKADDR_UN.byteOffset(groupElement("sun_path"));
    private static final int UN_PATH_MAX_BYTES = 107;

    private SocketAddresses() {
    }

    /** A sockaddr_in or sockaddr_in6 for a resolved address. */
    static MemorySegment encode(InetSocketAddress address, Arena arena) {
        InetAddress ip = address.getAddress();
        if (ip instanceof Inet4Address) {
            MemorySegment sockaddr = arena.allocate(SOCKADDR_IN);
            FAMILY.set(sockaddr, 0L, (short) Libc.AF_INET);
            IN_PORT.set(sockaddr, 0L, (short) address.getPort());
            MemorySegment.copy(ip.getAddress(), 0, sockaddr, JAVA_BYTE, IN_ADDR, 4);
            return sockaddr;
        }
        Inet6Address ip6 = (Inet6Address) ip;
        MemorySegment sockaddr = arena.allocate(SOCKADDR_IN6);
        FAMILY.set(sockaddr, 0L, (short) Libc.AF_INET6);
        IN6_PORT.set(sockaddr, 0L, (short) address.getPort());
        MemorySegment.copy(ip6.getAddress(), 0, sockaddr, JAVA_BYTE, IN6_ADDR, 16);
        IN6_SCOPE_ID.set(sockaddr, 0L, ip6.getScopeId());
        return sockaddr;
    }

    /** A sockaddr_un for a filesystem path. */
    static MemorySegment encodeUnix(Path path, Arena arena) {
        byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || bytes.length > UN_PATH_MAX_BYTES) {
            throw new IllegalArgumentException("unix socket path " + path + " is " + bytes.length + " bytes; it must "
                    + "be 1 to " + UN_PATH_MAX_BYTES + " bytes (a kernel limit): use a shorter directory");
        }
        MemorySegment sockaddr = arena.allocate(SOCKADDR_UN); // zeroed, so the path ends with NUL
        FAMILY.set(sockaddr, 0L, (short) Libc.AF_UNIX);
        MemorySegment.copy(bytes, 0, sockaddr, JAVA_BYTE, UN_PATH, bytes.length);
        return sockaddr;
    }

    /**
     * A sockaddr_un for an address as systemd writes it in {@code $NOTIFY_SOCKET}: a filesystem path, or an
     * abstract socket name when it starts with '@' (the '@' becomes the leading NUL byte the kernel expects).
     * The segment is exactly as long as the address: an abstract name has no terminating NUL, and every byte
     * of the length given to the kernel is part of the name.
     */
    static MemorySegment encodeUnixAddress(String address, Arena arena) {
        byte[] bytes = address.getBytes(StandardCharsets.UTF_8);
        boolean isAbstract = address.startsWith("@");
        if (bytes.length < (isAbstract ? 2 : 1) || bytes.length > UN_PATH_MAX_BYTES) {
            throw new IllegalArgumentException("unix socket address " + address + " is " + bytes.length + " bytes;"
                    + " it must be 1 to " + UN_PATH_MAX_BYTES + " bytes (a kernel limit)");
        }
        if (isAbstract) {
            bytes[0] = 0;
        }
        MemorySegment sockaddr = arena.allocate(SOCKADDR_UN); // zeroed, so a path ends with NUL
        FAMILY.set(sockaddr, 0L, (short) Libc.AF_UNIX);
        MemorySegment.copy(bytes, 0, sockaddr, JAVA_BYTE, UN_PATH, bytes.length);
        return sockaddr.asSlice(0, UN_PATH + bytes.length + (isAbstract ? 0 : 1));
    }

    static int family(MemorySegment sockaddr) {
        return Short.toUnsignedInt((short) FAMILY.get(sockaddr, 0L));
    }

    /**
     * The IP address in a sockaddr_in or sockaddr_in6.
     *
     * @throws IllegalArgumentException for another family, such as AF_UNIX
     */
    static InetSocketAddress decode(MemorySegment sockaddr) {
        int family = family(sockaddr);
        try {
            if (family == Libc.AF_INET) {
                byte[] ip = sockaddr.asSlice(IN_ADDR, 4).toArray(JAVA_BYTE);
                int port = Short.toUnsignedInt((short) IN_PORT.get(sockaddr, 0L));
                return new InetSocketAddress(InetAddress.getByAddress(ip), port);
            }
            if (family == Libc.AF_INET6) {
                byte[] ip = sockaddr.asSlice(IN6_ADDR, 16).toArray(JAVA_BYTE);
                int port = Short.toUnsignedInt((short) IN6_PORT.get(sockaddr, 0L));
                int scopeId = (int) IN6_SCOPE_ID.get(sockaddr, 0L);
                return new InetSocketAddress(Inet6Address.getByAddress(null, ip, scopeId), port);
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException("impossible: raw address of the right length", e);
        }
        throw new IllegalArgumentException("address family " + family + " is not AF_INET or AF_INET6");
    }

    /** "127.0.0.1:8080", "[::1]:8080": how people write addresses, without a reverse lookup. */
    static String describe(InetSocketAddress address) {
        if (address.isUnresolved()) {
            return address.getHostString() + ":" + address.getPort();
        }
        String ip = address.getAddress().getHostAddress();
        return (address.getAddress() instanceof Inet6Address ? "[" + ip + "]" : ip) + ":" + address.getPort();
    }
}
