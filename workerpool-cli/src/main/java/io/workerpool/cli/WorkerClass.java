package io.workerpool.cli;

import io.workerpool.Worker;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The user's {@link Worker} subclass, loaded from {@code --classpath} by a class loader of its own whose parent
 * is the command's loader (so {@code io.workerpool.Worker}, SLF4J and Logback are the command's). The master
 * checks the class before it starts anything; a worker JVM loads it the same way to create its worker.
 *
 * <p>The class must be public, concrete, a subclass of {@code io.workerpool.Worker}, static when nested, and
 * have a public constructor {@code (int id, String[] args)}, which gets the ARGS after the class name, or
 * else {@code (int id)}.
 */
final class WorkerClass {
    private final Constructor<? extends Worker> constructor;
    private final boolean takesArgs;
    private final ClassLoader loader;

    private WorkerClass(Constructor<? extends Worker> constructor, boolean takesArgs, ClassLoader loader) {
        this.constructor = constructor;
        this.takesArgs = takesArgs;
        this.loader = loader;
    }

    /**
     * Loads and checks the class named {@code name} from {@code classpath} (entries separated by ':', a
     * trailing '*' stands for the jars in a directory).
     *
     * @throws CliException (usage) saying what is wrong with the class path or the class
     */
    static WorkerClass load(String name, String classpath) {
        URLClassLoader loader = new URLClassLoader("workerpool-worker-classpath", urls(classpath),
                WorkerClass.class.getClassLoader());
        Class<?> type = find(name, classpath, loader);
        String what = "worker class " + type.getName();
        if (type.isInterface()) {
            throw CliException.usage(what + " is an interface: name a public class that extends io.workerpool.Worker");
        }
        if (!Worker.class.isAssignableFrom(type)) {
            throw CliException.usage(what + " is not a Worker: it must extend io.workerpool.Worker");
        }
        int modifiers = type.getModifiers();
        if (Modifier.isAbstract(modifiers)) {
            throw CliException.usage(what + " is abstract: name a concrete subclass of io.workerpool.Worker");
        }
        if (!Modifier.isPublic(modifiers)) {
            throw CliException.usage(what + " is not public: make it public so that the pool can create it");
        }
        if (type.isMemberClass() && !Modifier.isStatic(modifiers)) {
            throw CliException.usage(what + " is an inner class: make it a static nested class (an inner class"
                    + " needs an instance of its outer class)");
        }
        Class<? extends Worker> workerType = type.asSubclass(Worker.class);
        String simple = type.getSimpleName();
        try {
            return new WorkerClass(workerType.getConstructor(int.class, String[].class), true, loader);
        } catch (NoSuchMethodException e) {
            try {
                return new WorkerClass(workerType.getConstructor(int.class), false, loader);
            } catch (NoSuchMethodException again) {
                throw CliException.usage(what + " has no public constructor " + simple + "(int id): add one, or "
                        + simple + "(int id, String[] args) to also get the ARGS after the class name");
            }
        }
    }

    /** A new worker for {@code id}; the constructor's own exception, unwrapped, when it throws. */
    Worker create(int id, String[] args) throws Exception {
        try {
            return takesArgs ? constructor.newInstance(id, args.clone()) : constructor.newInstance(id);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    /** The loader of the worker class: the context class loader of the pool's threads. */
    ClassLoader loader() {
        return loader;
    }

    private static Class<?> find(String name, String classpath, ClassLoader loader) {
        // "com.example.Outer.Inner" is how a nested class reads in source; its binary name is com.example.Outer$Inner
        String candidate = name;
        while (true) {
            try {
                return Class.forName(candidate, false, loader);
            } catch (ClassNotFoundException e) {
                int dot = candidate.lastIndexOf('.');
                if (dot < 0) {
                    throw CliException.usage("worker class " + name + " not found on --classpath " + classpath);
                }
                candidate = candidate.substring(0, dot) + '$' + candidate.substring(dot + 1);
            } catch (LinkageError e) {
                throw CliException.usage("worker class " + name + " cannot be loaded from --classpath " + classpath
                        + ": " + e + " (is a class it needs missing from --classpath?)");
            }
        }
    }

    private static URL[] urls(String classpath) {
        List<URL> urls = new ArrayList<>();
        for (String entry : classpath.split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            if (entry.equals("*") || entry.endsWith(File.separator + "*")) {
                Path dir = Path.of(entry.substring(0, entry.length() - 1)).toAbsolutePath();
                for (Path jar : jarsIn(dir, entry)) {
                    urls.add(url(jar));
                }
                continue;
            }
            Path path = Path.of(entry).toAbsolutePath();
            if (!Files.exists(path)) {
                throw CliException.usage("--classpath entry '" + entry + "' does not exist (as " + path.normalize()
                        + "); it must be a directory of classes or a jar");
            }
            urls.add(url(path));
        }
        return urls.toArray(URL[]::new);
    }

    private static List<Path> jarsIn(Path dir, String entry) {
        if (!Files.isDirectory(dir)) {
            throw CliException.usage("--classpath entry '" + entry + "' names no directory (" + dir.normalize() + ")");
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".jar"))
                    .sorted().toList();
        } catch (IOException e) {
            throw CliException.usage("--classpath entry '" + entry + "' cannot be listed: " + e.getMessage());
        }
    }

    private static URL url(Path path) {
        try {
            return path.toUri().toURL();
        } catch (MalformedURLException e) {
            throw CliException.usage("--classpath entry " + path + " is not a valid path: " + e.getMessage());
        }
    }
}
