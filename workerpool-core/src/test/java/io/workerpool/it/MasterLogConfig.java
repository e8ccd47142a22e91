package io.workerpool.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Logback configuration for a master JVM started by a test ({@code -Dlogback.configurationFile=...}): every
 * record goes to one file, in a layout that shows each part of a forwarded record, with dates in UTC:
 * <pre>2001-02-03 04:05:06.789 [worker] LEVEL logger [thread] {mdc} - message</pre>
 * followed by the stack trace, if any. The root logger is at INFO, {@code io.workerpool} at DEBUG.
 */
final class MasterLogConfig {
    static final String PATTERN =
            "%d{yyyy-MM-dd HH:mm:ss.SSS,UTC} [%X{worker:-master}] %-5level %logger [%thread] {%mdc} - %msg%n";

    private final Map<String, String> levels = new LinkedHashMap<>();
    private String pattern = PATTERN;
    private boolean immediateFlush = true;
    private int bufferBytes = 8192;
    private long slowMicros;

    static MasterLogConfig of() {
        return new MasterLogConfig().level("io.workerpool", "DEBUG");
    }

    MasterLogConfig level(String logger, String level) {
        levels.put(logger, level);
        return this;
    }

    MasterLogConfig pattern(String pattern) {
        this.pattern = pattern;
        return this;
    }

    /**
     * Buffered output, flushed when full and when Logback stops (the configuration installs Logback's shutdown
     * hook, so the master's normal exit flushes it): the file is complete only once the master exited.
     */
    MasterLogConfig buffered(int bytes) {
        this.immediateFlush = false;
        this.bufferBytes = bytes;
        return this;
    }

    /** Also sends every record to a {@link SlowAppender} taking {@code micros} per record. */
    MasterLogConfig slowedBy(long micros) {
        this.slowMicros = micros;
        return this;
    }

    /** Writes the configuration next to {@code logFile} and returns the JVM option that selects it. */
    String writeFor(Path logFile) throws IOException {
        StringBuilder xml = new StringBuilder();
        xml.append("<configuration>\n");
        xml.append("  <shutdownHook class=\"ch.qos.logback.core.hook.DefaultShutdownHook\"/>\n");
        xml.append("  <appender name=\"FILE\" class=\"ch.qos.logback.core.FileAppender\">\n");
        xml.append("    <file>").append(logFile).append("</file>\n");
        xml.append("    <immediateFlush>").append(immediateFlush).append("</immediateFlush>\n");
        xml.append("    <bufferSize>").append(bufferBytes).append("</bufferSize>\n");
        xml.append("    <encoder><pattern>").append(pattern.replace("&", "&amp;").replace("<", "&lt;"))
                .append("</pattern></encoder>\n");
        xml.append("  </appender>\n");
        if (slowMicros > 0) {
            xml.append("  <appender name=\"SLOW\" class=\"").append(SlowAppender.class.getName()).append("\">")
                    .append("<micros>").append(slowMicros).append("</micros></appender>\n");
        }
        levels.forEach((logger, level) -> xml.append("  <logger name=\"").append(logger).append("\" level=\"")
                .append(level).append("\"/>\n"));
        xml.append("  <root level=\"INFO\"><appender-ref ref=\"FILE\"/>")
                .append(slowMicros > 0 ? "<appender-ref ref=\"SLOW\"/>" : "").append("</root>\n");
        xml.append("</configuration>\n");
        Path config = logFile.resolveSibling(logFile.getFileName() + ".logback.xml");
        Files.writeString(config, xml);
        return "-Dlogback.configurationFile=" + config;
    }
}
