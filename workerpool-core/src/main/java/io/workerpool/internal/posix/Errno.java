package io.workerpool.internal.posix;

import java.util.Map;

/**
 * Names and descriptions of the Linux errno values a supervisor can meet. Our own table rather than
 * strerror(3): messages stay in English whatever the locale, and the name (EADDRINUSE) is what people search for.
 */
final class Errno {
    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int ESRCH = 3;
    static final int EINTR = 4;
    static final int EBADF = 9;
    static final int ECHILD = 10;
    static final int EAGAIN = 11;
    static final int ENOMEM = 12;
    static final int EACCES = 13;
    static final int EINVAL = 22;
    static final int ENFILE = 23;
    static final int EMFILE = 24;
    static final int EPIPE = 32;
    static final int ENOTSOCK = 88;
    static final int EAFNOSUPPORT = 97;
    static final int EADDRINUSE = 98;
    static final int EADDRNOTAVAIL = 99;
    static final int ECONNRESET = 104;
    static final int ENOBUFS = 105;
    static final int ECONNREFUSED = 111;

    private record Entry(String name, String description) {
    }

    private static final Map<Integer, Entry> TABLE = Map.ofEntries(
            entry(EPERM, "EPERM", "Operation not permitted"),
            entry(ENOENT, "ENOENT", "No such file or directory"),
            entry(ESRCH, "ESRCH", "No such process"),
            entry(EINTR, "EINTR", "Interrupted system call"),
            entry(5, "EIO", "Input/output error"),
            entry(EBADF, "EBADF", "Bad file descriptor"),
            entry(ECHILD, "ECHILD", "No child processes"),
            entry(EAGAIN, "EAGAIN", "Resource temporarily unavailable"),
            entry(ENOMEM, "ENOMEM", "Cannot allocate memory"),
            entry(EACCES, "EACCES", "Permission denied"),
            entry(14, "EFAULT", "Bad address"),
            entry(16, "EBUSY", "Device or resource busy"),
            entry(17, "EEXIST", "File exists"),
            entry(20, "ENOTDIR", "Not a directory"),
            entry(21, "EISDIR", "Is a directory"),
            entry(EINVAL, "EINVAL", "Invalid argument"),
            entry(ENFILE, "ENFILE", "Too many open files in system"),
            entry(EMFILE, "EMFILE", "Too many open files"),
            entry(28, "ENOSPC", "No space left on device"),
            entry(30, "EROFS", "Read-only file system"),
            entry(EPIPE, "EPIPE", "Broken pipe"),
            entry(34, "ERANGE", "Numerical result out of range"),
            entry(36, "ENAMETOOLONG", "File name too long"),
            entry(38, "ENOSYS", "Function not implemented"),
            entry(40, "ELOOP", "Too many levels of symbolic links"),
            entry(ENOTSOCK, "ENOTSOCK", "Socket operation on non-socket"),
            entry(90, "EMSGSIZE", "Message too long"),
            entry(91, "EPROTOTYPE", "Protocol wrong type for socket"),
            entry(92, "ENOPROTOOPT", "Protocol not available"),
            entry(93, "EPROTONOSUPPORT", "Protocol not supported"),
            entry(95, "EOPNOTSUPP", "Operation not supported"),
            entry(EAFNOSUPPORT, "EAFNOSUPPORT", "Address family not supported by protocol"),
            entry(EADDRINUSE, "EADDRINUSE", "Address already in use"),
            entry(EADDRNOTAVAIL, "EADDRNOTAVAIL", "Cannot assign requested address"),
            entry(100, "ENETDOWN", "Network is down"),
            entry(101, "ENETUNREACH", "Network is unreachable"),
            entry(103, "ECONNABORTED", "Software caused connection abort"),
            entry(ECONNRESET, "ECONNRESET", "Connection reset by peer"),
            entry(ENOBUFS, "ENOBUFS", "No buffer space available"),
            entry(106, "EISCONN", "Transport endpoint is already connected"),
            entry(107, "ENOTCONN", "Transport endpoint is not connected"),
            entry(110, "ETIMEDOUT", "Connection timed out"),
            entry(ECONNREFUSED, "ECONNREFUSED", "Connection refused"),
            entry(113, "EHOSTUNREACH", "No route to host"),
            entry(114, "EALREADY", "Operation already in progress"),
            entry(115, "EINPROGRESS", "Operation now in progress"));

    private Errno() {
    }

    /** "EADDRINUSE", or "errno 135" for a value not in the table. */
    static String name(int errno) {
        Entry entry = TABLE.get(errno);
        return entry != null ? entry.name() : "errno " + errno;
    }

    /** "Address already in use", or "unknown error" for a value not in the table. */
    static String description(int errno) {
        Entry entry = TABLE.get(errno);
        return entry != null ? entry.description() : "unknown error";
    }

    private static Map.Entry<Integer, Entry> entry(int errno, String name, String description) {
        return Map.entry(errno, new Entry(name, description));
    }
}
