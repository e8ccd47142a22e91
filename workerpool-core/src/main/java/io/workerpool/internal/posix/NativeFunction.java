package io.workerpool.internal.posix;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One C library function, bound to a downcall handle on its first call: a JVM that never calls it never
 * creates the handle, and a JVM that never calls any never creates the {@link Linker}.
 *
 * <p>Functions that report failure as -1 plus errno are called with errno captured right after the call
 * (the JVM may itself change errno before Java code could read it), and a -1 turns into a
 * {@link PosixException}.
 */
final class NativeFunction {
    private final String name;
    private final FunctionDescriptor descriptor;
    private final int firstVariadicArg;
    private final boolean setsErrno;
    private final boolean restartOnEintr;
    private volatile MethodHandle handle;

    private NativeFunction(String name, FunctionDescriptor descriptor, int firstVariadicArg, boolean setsErrno,
            boolean restartOnEintr) {
        this.name = name;
        this.descriptor = descriptor;
        this.firstVariadicArg = firstVariadicArg;
        this.setsErrno = setsErrno;
        this.restartOnEintr = restartOnEintr;
    }

    /** A function that cannot fail, such as getpid. */
    static NativeFunction infallible(String name, FunctionDescriptor descriptor) {
        return new NativeFunction(name, descriptor, -1, false, false);
    }

    /** A function that returns -1 and sets errno on failure. */
    static NativeFunction withErrno(String name, FunctionDescriptor descriptor) {
        return new NativeFunction(name, descriptor, -1, true, false);
    }

    /** Like {@link #withErrno}, and called again when a signal interrupted it (EINTR). */
    static NativeFunction restartingOnEintr(String name, FunctionDescriptor descriptor) {
        return new NativeFunction(name, descriptor, -1, true, true);
    }

    /** A variadic function such as prctl or fcntl; arguments from {@code firstVariadicArg} on are the "...". */
    static NativeFunction variadic(String name, FunctionDescriptor descriptor, int firstVariadicArg) {
        return new NativeFunction(name, descriptor, firstVariadicArg, true, false);
    }

    String name() {
        return name;
    }

    /**
     * Calls the function.
     *
     * @return its result, widened to long
     * @throws PosixException when it returned -1: "name failed: ERRNO (description)"
     */
    long call(Object... args) throws PosixException {
        MethodHandle target = handle();
        if (!setsErrno) {
            return invoke(target, args);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment callState = arena.allocate(Binding.CALL_STATE);
            Object[] withState = new Object[args.length + 1];
            withState[0] = callState;
            System.arraycopy(args, 0, withState, 1, args.length);
            while (true) {
                long result = invoke(target, withState);
                if (result != -1) {
                    return result;
                }
                int errno = (int) Binding.ERRNO.get(callState, 0L);
                if (!(restartOnEintr && errno == Errno.EINTR)) {
                    throw PosixException.callFailed(name, errno);
                }
            }
        }
    }

    private long invoke(MethodHandle target, Object[] args) {
        try {
            return ((Number) target.invokeWithArguments(args)).longValue();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            // downcalls throw nothing checked; this would be a bug in our descriptors
            throw new IllegalStateException("calling " + name + " failed", e);
        }
    }

    private MethodHandle handle() {
        MethodHandle bound = handle;
        if (bound == null) {
            bound = bind();
            handle = bound; // a racing thread binds an equal handle: harmless
        }
        return bound;
    }

    private MethodHandle bind() {
        String unsupported = Platform.unsupportedReason();
        if (unsupported != null) {
            throw new UnsupportedOperationException("workerpool needs Linux for " + name + "(): " + unsupported);
        }
        MemorySegment symbol = Binding.LIBC.find(name).orElseThrow(() -> new UnsupportedOperationException(
                "workerpool needs Linux for " + name + "(): the C library of this JVM has no such function"));
        List<Linker.Option> options = new ArrayList<>();
        if (setsErrno) {
            options.add(Linker.Option.captureCallState("errno"));
        }
        if (firstVariadicArg >= 0) {
            options.add(Linker.Option.firstVariadicArg(firstVariadicArg));
        }
        try {
            return Binding.LINKER.downcallHandle(symbol, descriptor, options.toArray(Linker.Option[]::new));
        } catch (IllegalCallerException e) {
            throw new UnsupportedOperationException("workerpool needs native access for " + name + "(): start java "
                    + "with --enable-native-access=ALL-UNNAMED (or the name of the module holding workerpool)", e);
        }
    }

    /** The linker and what goes with it, created when the first function is bound. */
    private static final class Binding {
        static final Linker LINKER = Linker.nativeLinker();
        static final SymbolLookup LIBC = LINKER.defaultLookup();
        static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    }

    /** Which platforms the layouts and constants of this package are right for. */
    static final class Platform {
        private Platform() {
        }

        /** Null on a supported platform, else why not, for an error message. */
        static String unsupportedReason() {
            String os = System.getProperty("os.name", "?");
            String arch = System.getProperty("os.arch", "?");
            if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
                return "this JVM runs on " + os + " " + arch;
            }
            // Socket option numbers and struct layouts differ on some Linux architectures (powerpc, mips, sparc).
            return switch (arch) {
                case "amd64", "x86_64", "aarch64", "riscv64" -> null;
                default -> "this JVM runs on Linux " + arch + ", which workerpool has not been checked on "
                        + "(supported: x86_64, aarch64, riscv64)";
            };
        }
    }
}
