package io.workerpool.internal.wire;

/**
 * The payload of a {@code Meters} frame (format version 1), written by the workerpool-micrometer module in a
 * worker and read by {@code WorkerMeterStore} (workerpool-metrics) in the master: one definition of the format for both. Big-endian, strings as an int UTF-8 length and the
 * bytes ({@code -1}: null):
 *
 * <pre>
 * payload  = [byte version=1] record*                     (records until the frame ends)
 * record   = [byte DEFINE=1] [int id] [byte type] [string name] [string unit] [string help]
 *              [byte tags] (string key, string value){tags} (type HISTOGRAM: [int n] [double bound]{n})
 *          | [byte VALUE=2] [int id] [byte type] value
 * value    = COUNTER, GAUGE: [double]
 *          | SUMMARY:        [long count] [double sum]
 *          | HISTOGRAM:      [long count] [double sum] [int n] [long cumulative count at or below each bound]{n}
 * </pre>
 *
 * A series is defined once per worker JVM, with an id the worker picks, and then sent as values by id: a
 * frame of 1,000 counters is some 14 KB. A value carries its type (and bucket count) so that a reader can skip
 * the values of series it does not keep (over its series limit). Bounds are finite and ascending; the {@code +Inf} bucket is the count.
 */
public final class MeterFrames {
    public static final byte VERSION = 1;
    public static final byte DEFINE = 1;
    public static final byte VALUE = 2;

    public static final byte COUNTER = 1;
    public static final byte GAUGE = 2;
    public static final byte SUMMARY = 3;
    public static final byte HISTOGRAM = 4;

    /** Longest name, tag key or value the master keeps; a series with a longer one is dropped. */
    public static final int MAX_STRING = 256;
    public static final int MAX_TAGS = 32;
    public static final int MAX_BOUNDS = 512;

    private MeterFrames() {
    }
}
