package io.workerpool.internal.wire;

import java.util.ArrayList;
import java.util.List;

/**
 * A throwable as plain data: class name, message, stack, cause and suppressed, so that a worker's
 * exception crosses the worker channel without Java serialization.
 */
public record ThrowableData(String className, String message, List<StackTraceElement> stack, ThrowableData cause,
                            List<ThrowableData> suppressed) {
    private static final int MAX_DEPTH = 16;

    public ThrowableData {
        stack = List.copyOf(stack);
        suppressed = List.copyOf(suppressed);
    }

    public static ThrowableData of(Throwable t) {
        return t == null ? null : of(t, 0);
    }

    private static ThrowableData of(Throwable t, int depth) {
        ThrowableData cause = null;
        List<ThrowableData> suppressed = new ArrayList<>();
        if (depth < MAX_DEPTH) {
            Throwable c = t.getCause();
            if (c != null && c != t) {
                cause = of(c, depth + 1);
            }
            for (Throwable s : t.getSuppressed()) {
                suppressed.add(of(s, depth + 1));
            }
        }
        return new ThrowableData(t.getClass().getName(), t.getMessage(), List.of(t.getStackTrace()), cause,
                suppressed);
    }

    public void write(WireOutput out) {
        out.writeString(className);
        out.writeString(message);
        out.writeInt(stack.size());
        for (StackTraceElement e : stack) {
            out.writeString(shownClassLoaderName(e));
            out.writeString(e.getModuleName());
            out.writeString(shownModuleVersion(e));
            out.writeString(e.getClassName());
            out.writeString(e.getMethodName());
            out.writeString(e.getFileName());
            out.writeInt(e.getLineNumber());
        }
        out.writeBoolean(cause != null);
        if (cause != null) {
            cause.write(out);
        }
        out.writeInt(suppressed.size());
        for (ThrowableData s : suppressed) {
            s.write(out);
        }
    }

    // A frame the JVM captured knows which parts its toString() leaves out ("app//" for classes of the
    // built-in loaders, "@25.0.1" for JDK modules); one rebuilt from its parts on the other side prints
    // them all. So they are left out here, by the same rules, for the master to print what the worker would.
    private static String shownClassLoaderName(StackTraceElement e) {
        String loader = e.getClassLoaderName();
        return "app".equals(loader) || "platform".equals(loader) ? null : loader;
    }

    private static String shownModuleVersion(StackTraceElement e) {
        String module = e.getModuleName();
        boolean jdkModule = module != null && (module.startsWith("java.") || module.startsWith("jdk."));
        return jdkModule ? null : e.getModuleVersion();
    }

    public static ThrowableData read(WireInput in) throws ProtocolException {
        return read(in, 0);
    }

    private static ThrowableData read(WireInput in, int depth) throws ProtocolException {
        if (depth > MAX_DEPTH + 1) {
            throw new ProtocolException("throwable nested deeper than " + MAX_DEPTH);
        }
        String className = in.readString();
        String message = in.readString();
        int frames = in.readCount();
        List<StackTraceElement> stack = new ArrayList<>(frames);
        for (int i = 0; i < frames; i++) {
            String loader = in.readString();
            String module = in.readString();
            String moduleVersion = in.readString();
            String declaringClass = in.readString();
            String method = in.readString();
            String file = in.readString();
            int line = in.readInt();
            if (declaringClass == null || method == null) {
                throw new ProtocolException("stack frame without class or method");
            }
            stack.add(new StackTraceElement(loader, module, moduleVersion, declaringClass, method, file, line));
        }
        ThrowableData cause = in.readBoolean() ? read(in, depth + 1) : null;
        int suppressedCount = in.readCount();
        List<ThrowableData> suppressed = new ArrayList<>(suppressedCount);
        for (int i = 0; i < suppressedCount; i++) {
            suppressed.add(read(in, depth + 1));
        }
        return new ThrowableData(className == null ? "java.lang.Throwable" : className, message, stack, cause,
                suppressed);
    }
}
