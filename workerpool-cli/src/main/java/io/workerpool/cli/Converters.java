package io.workerpool.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Flag values. Each converter's message starts with "must be ..." and ends with the value it got: the error
 * handler puts the flag's name in front ("--worker-timeout must be a duration like 500ms, 3s or 1m, got 'abc'").
 */
final class Converters {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,9})([kKmMgG])");
    private static final Pattern HOST_PORT = Pattern.compile("(?:\\[([^\\]]*)]|([^:\\[\\]]*)):(\\d{1,5})");

    /** As the library's limit: longer would overflow the pool's clocks, and nothing needs it. */
    private static final Duration MAX_DURATION = Duration.ofDays(365);

    private Converters() {
    }

    /** "500ms", "3s", "1m", "2h"; positive, at most 365 days. */
    static final class PositiveDuration implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Matcher m = DURATION.matcher(value.strip());
            if (!m.matches()) {
                throw new TypeConversionException("must be a duration like 500ms, 3s or 1m, got '" + value + "'");
            }
            long amount = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
            };
            if (d.isZero()) {
                throw new TypeConversionException("must be a positive duration like 500ms, 3s or 1m, got '" + value
                        + "'");
            }
            if (d.compareTo(MAX_DURATION) > 0) {
                throw new TypeConversionException("must be at most 8760h (365 days), got '" + value + "'");
            }
            return d;
        }
    }

    /** "512M", "2G", "800k" (binary units); positive. */
    static final class PositiveSize implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            Matcher m = SIZE.matcher(value.strip());
            if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
                throw new TypeConversionException("must be a positive size like 800k, 512M or 2G, got '" + value
                        + "'");
            }
            int shift = switch (Character.toLowerCase(m.group(2).charAt(0))) {
                case 'k' -> 10;
                case 'm' -> 20;
                default -> 30;
            };
            return Long.parseLong(m.group(1)) << shift;
        }
    }

    /** A whole number >= 1. */
    static final class PositiveInt implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return wholeNumber(value, 1);
        }
    }

    /**
     * {@code scale N}: 1 to 1,024, the master's own bound (its management socket refuses more with
     * "error workers must be at most 1024"); said here before connecting, as a usage error.
     */
    static final class ScaleWorkers implements ITypeConverter<Integer> {
        static final int MAX = 1024;

        @Override
        public Integer convert(String value) {
            int n = wholeNumber(value, 1);
            if (n > MAX) {
                throw new TypeConversionException("must be at most " + MAX + " workers, got '" + value + "'");
            }
            return n;
        }
    }

    /** A whole number >= 0. */
    static final class NonNegativeInt implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return wholeNumber(value, 0);
        }
    }

    /** Worker ids from one flag value (an int[] field would be a repeatable option to picocli). */
    record IdList(int[] ids) {
    }

    /** "1,2,5": ids >= 0 (distinctness is the builder's check, with its own message). */
    static final class WorkerIds implements ITypeConverter<IdList> {
        @Override
        public IdList convert(String value) {
            String[] parts = value.split(",", -1);
            int[] ids = new int[parts.length];
            for (int i = 0; i < parts.length; i++) {
                try {
                    ids[i] = Integer.parseInt(parts[i].strip());
                } catch (NumberFormatException e) {
                    ids[i] = -1;
                }
                if (ids[i] < 0) {
                    throw new TypeConversionException("must be a comma-separated list of worker ids >= 0 like 0,1,2,"
                            + " got '" + value + "'");
                }
            }
            return new IdList(ids);
        }
    }

    /** A share: a number more than 0 and at most 1, e.g. 0.5. */
    static final class Share implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double share;
            try {
                share = Double.parseDouble(value.strip());
            } catch (NumberFormatException e) {
                share = Double.NaN;
            }
            if (!(share > 0 && share <= 1)) {
                throw new TypeConversionException("must be a number more than 0 and at most 1 like 0.5, got '" + value
                        + "'");
            }
            return share;
        }
    }

    /** "HOST:PORT", "[::1]:PORT", ":PORT" or "*:PORT" (every interface); port 0 picks a free one. */
    static final class ListenAddress implements ITypeConverter<InetSocketAddress> {
        @Override
        public InetSocketAddress convert(String value) {
            Matcher m = HOST_PORT.matcher(value.strip());
            int port = m.matches() ? Integer.parseInt(m.group(3)) : -1;
            if (port < 0 || port > 65_535) {
                throw new TypeConversionException("must be HOST:PORT like 127.0.0.1:8080, [::1]:8080 or *:8080"
                        + " (port 0-65535), got '" + value + "'");
            }
            String host = m.group(1) != null ? m.group(1) : m.group(2);
            if (host.isEmpty() || host.equals("*")) {
                return new InetSocketAddress(port);
            }
            try {
                return new InetSocketAddress(InetAddress.getByName(host), port);
            } catch (UnknownHostException e) {
                throw new TypeConversionException("must name a host this machine can resolve, got '" + value
                        + "' (unknown host '" + host + "')");
            }
        }
    }

    private static int wholeNumber(String value, int min) {
        int n;
        try {
            n = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            n = Integer.MIN_VALUE;
        }
        if (n < min) {
            throw new TypeConversionException("must be a whole number >= " + min + ", got '" + value + "'");
        }
        return n;
    }
}
